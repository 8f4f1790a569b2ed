/** What `wg doctor` reports: one line per check, each with its fix when it is not fine. */
import type { BackendReport } from '../backends/probe.js';
import type { Problem } from '../graph/check.js';
import type { BackendLaunch } from './launch.js';
import type { SandboxProbe } from '../sandbox/probe.js';

/** fail: `wg run` would fail (or refuse); warn: it would run, but something is off; skip: not checked, and why. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export type CheckArea = 'project' | 'backend' | 'agent' | 'graph' | 'store' | 'git';

export interface Check {
  area: CheckArea;
  /** What was checked, short: `backend claude`, `git target branch`. */
  name: string;
  status: CheckStatus;
  /** What was found. */
  detail: string;
  /** What to do about it (for warn and fail). */
  fix?: string | undefined;
}

/** 0: all fine; 1: something would make `wg run` fail; 2: warnings only. */
export function exitCodeOf(checks: readonly Check[]): 0 | 1 | 2 {
  if (checks.some((check) => check.status === 'fail')) return 1;
  if (checks.some((check) => check.status === 'warn')) return 2;
  return 0;
}

/** The result of running a program briefly (a version, whether it accepts wg's flags). */
export type Probe =
  | { kind: 'answered'; exitCode: number; output: string }
  | { kind: 'timed-out'; afterMs: number }
  | { kind: 'not-run'; why: string };

export interface BackendFacts {
  launch: BackendLaunch | undefined;
  /** `wg backends`' report (program, version, what it still needs), for named backends. */
  report: BackendReport | undefined;
  /** Whether the program accepts the flags wg passes it (claude, codex), when the backend is used. */
  flags: Probe | undefined;
  /** Whether config.toml's [defaults] backend names it. */
  isDefault: boolean;
  /** claude: whether a login (subscription) is stored where Claude Code keeps it on Linux. */
  claudeLogin?: boolean | undefined;
  /** codex, with bubblewrap installed: its CODEX_HOME lies under the temp folder, where Codex will not make its sandbox's helper. */
  codexHomeUnderTemp?: { home: string; temp: string } | undefined;
}

/** Where a shell started with the agent's environment finds `wg`. */
export interface AgentPathFacts {
  expected: string;
  /** The backends whose agents get this PATH (none: no open task uses one). */
  backends: string[];
  shell: Probe;
}

export interface StoreFacts {
  kind: 'file' | 'postgres';
  /** Where: graph.jsonl's path, or the database URL without its password. */
  where: string;
  /** Undefined when the store could not be read. */
  tasks: number | undefined;
  error: string | undefined;
}

export interface LockFacts {
  path: string;
  state: 'free' | 'held' | 'stale';
  owner: string | undefined;
  ageMs: number | undefined;
}

export interface TaskPathFacts {
  task: string;
  /** A working_dir that is not a folder of the project. */
  missingWorkingDir?: string | undefined;
  /** The verify command's program and where it is looked for, when it cannot be found. */
  verify?: { command: string; program: string; kind: 'not-on-path' | 'no-file' } | undefined;
}

export interface GraphFacts {
  problems: Problem[];
  taskIds: string[];
  tasks: number;
  openTasks: number;
  paths: TaskPathFacts[];
}

export interface GitFacts {
  /** Why worktrees are not possible, or undefined when the project is in a git work tree with a commit. */
  noRepo: string | undefined;
  isolation: 'worktree' | 'none' | undefined;
  target: string | undefined;
  targetExists: boolean;
  dirty: string[];
  /** The scratch worktree: whether a new file could be staged in it, with wg's links in place. */
  scratch: { ok: true; linked: string[] } | { ok: false; step: string; said: string } | { ignored: string } | undefined;
  freeBytes: number | undefined;
}

/** `[run] sandbox = "bwrap"` (or a task's `sandbox`): the open tasks that would run in it, and whether it starts. */
export interface SandboxFacts {
  tasks: string[];
  network: boolean;
  /** The store is PostgreSQL: the agent's wg reaches it over the network. */
  postgres: boolean;
  /** Undefined when no task uses the sandbox (then it is not tried). */
  probe: SandboxProbe | undefined;
}

export interface DoctorFacts {
  /** The project, or why there is none (then only the backends are checked). */
  project: { root: string; dir: string } | { error: string; fix: string | undefined };
  config: { error: string } | undefined;
  backends: BackendFacts[];
  agentPath: AgentPathFacts[] | undefined;
  store: StoreFacts | undefined;
  lock: LockFacts | undefined;
  graph: GraphFacts | undefined;
  git: GitFacts | undefined;
  sandbox?: SandboxFacts | undefined;
}
