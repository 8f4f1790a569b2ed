/**
 * Everything `wg doctor` looks at, gathered at once and in parallel: the slow parts are
 * the programs asked for their versions and flags, each held to a time limit so the whole
 * stays under three seconds. Nothing here touches the network.
 */
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { probeBackends, type BackendReport } from '../backends/probe.js';
import { searchPath } from '../backends/find-program.js';
import { checkGraph } from '../graph/check.js';
import { parseDuration } from '../graph/duration.js';
import type { Graph } from '../graph/model.js';
import type { Task } from '../graph/schema.js';
import type { LaunchOptions } from '../runner/prepare.js';
import type { Config } from '../config/config.js';
import { LOCK_FILE, GRAPH_FILE } from '../store/file/file-store.js';
import { inspectLock } from '../store/file/lock.js';
import type { WorkspaceStore } from '../store/store.js';
import { runBriefly } from './brief.js';
import { gatherGit } from './gather-git.js';
import { codexHomeUnderTemp, gatherSandbox } from './gather-sandbox.js';
import { backendLaunches, type BackendLaunch } from './launch.js';
import type {
  AgentPathFacts,
  BackendFacts,
  DoctorFacts,
  GitFacts,
  GraphFacts,
  Probe,
  StoreFacts,
  TaskPathFacts,
} from './types.js';

/**
 * Each program asked something gets this long; they run side by side, so the whole stays
 * under three seconds. WG_DOCTOR_TIMEOUT (a duration: 10s) gives a slow machine longer.
 */
function probeTimeoutMs(env: Record<string, string | undefined>): number {
  const wanted = env.WG_DOCTOR_TIMEOUT?.trim();
  if (wanted) {
    try {
      return parseDuration(wanted);
    } catch {
      // Not a duration: the default stands.
    }
  }
  return 2_000;
}

export interface DoctorPlace {
  root: string;
  dir: string;
  /** The store, opened by the store check: opening fails on a bad URL, and the check reports that. */
  openStore(): Promise<WorkspaceStore>;
  /** The loaded config; undefined when it could not be loaded, and `configError` says why. */
  config: Config | undefined;
  configError?: string | undefined;
}

export interface GatherOptions {
  /** The project, or why there is none. */
  place: DoctorPlace | { error: string; fix: string | undefined };
  /** Folder of the `wg` executable agents get first on PATH. */
  wgBinDir: string;
  env: Record<string, string | undefined>;
  /** `--target`: the branch results would land on (default: the one checked out). */
  target?: string | undefined;
  /** `--backend`: as `wg run --backend` would use it for every task. */
  backend?: string | undefined;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000}s`)), ms)),
  );
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const SHELL_WORDS = new Set([
  'cd',
  'echo',
  'test',
  '[',
  '[[',
  'true',
  'false',
  'exit',
  'export',
  'set',
  'unset',
  ':',
  '.',
  'source',
  'if',
  'for',
  'while',
  'until',
  'case',
  '!',
  '{',
  '(',
  'exec',
  'eval',
  'command',
  'printf',
  'read',
  'pwd',
  'type',
  'ulimit',
  'umask',
  'wait',
  'trap',
  'time',
  'env',
]);

/** The program a verify command runs: its first word after any VAR=value assignments. */
export function verifyProgram(command: string): string | undefined {
  const words = command
    .trim()
    .split(/[\s;&|<>]+/)
    .filter(Boolean);
  const first = words.find((word) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word));
  const program = first?.replace(/^["']|["']$/g, '');
  if (!program || SHELL_WORDS.has(program) || program.startsWith('(') || program.startsWith('$')) return undefined;
  return program;
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function taskPaths(task: Task, root: string, pathVariable: string): TaskPathFacts | undefined {
  const facts: TaskPathFacts = { task: task.id };
  const workdir = resolve(root, task.working_dir || '.');
  if (task.working_dir && !isFolder(workdir)) facts.missingWorkingDir = task.working_dir;
  const command = task.verify?.trim();
  const program = command ? verifyProgram(command) : undefined;
  if (command && program) {
    if (program.includes('/')) {
      try {
        statSync(resolve(workdir, program));
      } catch {
        facts.verify = { command, program, kind: 'no-file' };
      }
    } else if (searchPath(program, pathVariable) === undefined) {
      facts.verify = { command, program, kind: 'not-on-path' };
    }
  }
  return facts.missingWorkingDir !== undefined || facts.verify ? facts : undefined;
}

async function gatherStore(
  place: DoctorPlace,
  config: Config | undefined,
  env: GatherOptions['env'],
  timeoutMs: number,
): Promise<{ store: StoreFacts; graph: Graph | undefined; problems: string[] }> {
  const url = env.WG_STORE_URL || config?.store.url;
  const where = url ? (await import('../store/postgres/connect.js')).displayUrl(url) : join(place.dir, GRAPH_FILE);
  const store: StoreFacts = { kind: url ? 'postgres' : 'file', where, tasks: undefined, error: undefined };
  try {
    // A database that does not answer must not hold the doctor up; a file is read however long it takes.
    const parsing = place.openStore().then((opened) => opened.parse({ revalidate: true }));
    const parsed = url ? await withTimeout(parsing, timeoutMs, 'PostgreSQL') : await parsing;
    store.tasks = parsed.graph.tasks.size;
    return { store, graph: parsed.graph, problems: parsed.problems };
  } catch (error) {
    // The store's own errors name it already.
    store.error = (error as Error).message.split('\n')[0]!.replace(`PostgreSQL at ${where}: `, '');
    return { store, graph: undefined, problems: [] };
  }
}

function graphFacts(graph: Graph, problems: string[], root: string, pathVariable: string): GraphFacts {
  const tasks = [...graph.tasks.values()];
  const open = tasks.filter((task) => task.status === 'open');
  return {
    problems: checkGraph(graph, problems),
    taskIds: tasks.map((task) => task.id),
    tasks: tasks.length,
    openTasks: open.length,
    paths: open.map((task) => taskPaths(task, root, pathVariable)).filter((facts) => facts !== undefined),
  };
}

/** Whether the program accepts the flags wg would launch it with, without running an agent. */
function flagsProbe(launch: BackendLaunch, timeoutMs: number): Promise<Probe> | undefined {
  const spec = launch.spec;
  if (!spec || launch.fault) return undefined;
  if (launch.type === 'codex') {
    // codex checks every argument before it acts on --version; the final "-" (prompt on stdin) gives way to it.
    const args = spec.args.at(-1) === '-' ? spec.args.slice(0, -1) : spec.args;
    return runBriefly(spec.file, [...args, '--version'], { env: spec.env, cwd: spec.cwd, timeoutMs });
  }
  if (launch.type === 'claude') {
    // An empty prompt: claude checks its options, then stops asking for input. Pointed at a closed local port, in case it ever went further.
    const env = {
      ...spec.env,
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
    };
    return runBriefly(spec.file, spec.args, { env, cwd: spec.cwd, input: '', timeoutMs });
  }
  return undefined;
}

/**
 * Each agent's environment puts this installation's bin/ first on PATH, unless a backend's
 * own `env` replaces PATH: a shell started with it must find this wg. One probe per
 * distinct PATH the used backends give their agents.
 */
async function agentPaths(
  options: GatherOptions,
  launches: BackendLaunch[],
  timeoutMs: number,
): Promise<AgentPathFacts[]> {
  const byPath = new Map<string, { env: Record<string, string | undefined>; backends: string[] }>();
  for (const launch of launches) {
    if (!launch.spec || launch.fault || launch.name === undefined) continue;
    const path = launch.spec.env.PATH ?? '';
    const entry = byPath.get(path) ?? { env: launch.spec.env, backends: [] };
    entry.backends.push(launch.name);
    byPath.set(path, entry);
  }
  if (byPath.size === 0)
    byPath.set('', { env: { ...options.env, PATH: `${options.wgBinDir}:${options.env.PATH ?? ''}` }, backends: [] });
  const expected = join(options.wgBinDir, 'wg');
  return Promise.all(
    [...byPath.values()].map(async ({ env, backends }) => ({
      expected,
      backends,
      shell: await runBriefly('sh', ['-c', 'command -v wg'], { env, timeoutMs }),
    })),
  );
}

/** Claude Code's stored login on Linux (macOS keeps it in the Keychain, out of sight). */
function claudeLoginStored(env: Record<string, string | undefined>): boolean {
  return existsSync(join(env.CLAUDE_CONFIG_DIR ?? join(env.HOME ?? homedir(), '.claude'), '.credentials.json'));
}

export async function gatherFacts(options: GatherOptions): Promise<DoctorFacts> {
  const place = options.place;
  const timeoutMs = probeTimeoutMs(options.env);
  if ('error' in place) {
    const reports = await probeBackends(
      {},
      options.env,
      { cwd: process.cwd(), workgraphDir: join(process.cwd(), '.workgraph') },
      { versionsFor: () => false },
    );
    return {
      project: place,
      config: undefined,
      backends: reports.map((report) => ({ launch: undefined, report, flags: undefined, isDefault: false })),
      agentPath: undefined,
      store: undefined,
      lock: undefined,
      graph: undefined,
      git: undefined,
    };
  }
  const config = place.config;
  const pathVariable = `${options.wgBinDir}:${options.env.PATH ?? ''}`;
  // Started first, as it takes longest; a git that cannot be asked at all is a finding, not a crash.
  const gitFacts = gatherGit(place.root, place.dir, config, options.target).catch((error: unknown): GitFacts => ({
    noRepo: `git could not be asked (${(error as Error).message.split('\n')[0]})`,
    isolation: config?.run.isolation,
    target: undefined,
    targetExists: false,
    dirty: [],
    scratch: undefined,
    freeBytes: undefined,
  }));
  const { store, graph, problems } = await gatherStore(place, config, options.env, timeoutMs);
  const launch: LaunchOptions | undefined = config && {
    root: place.root,
    workgraphDir: place.dir,
    config,
    wgBinDir: options.wgBinDir,
    backend: options.backend,
    model: undefined,
    allowOutside: true,
    baseEnv: options.env,
  };
  const launches = graph && launch ? backendLaunches(graph, launch) : [];
  const used = new Set(launches.map((entry) => entry.name));
  const [reports, flags, agent, git, sandbox] = await Promise.all([
    config
      ? probeBackends(
          config,
          options.env,
          { cwd: place.root, workgraphDir: place.dir },
          { versionTimeoutMs: timeoutMs, versionsFor: (name) => used.has(name) },
        )
      : Promise.resolve([] as BackendReport[]),
    Promise.all(launches.map((entry) => flagsProbe(entry, timeoutMs))),
    agentPaths(options, launches, timeoutMs),
    gitFacts,
    graph && config ? gatherSandbox(graph, config, launches, options.env) : undefined,
  ]);
  const backends: BackendFacts[] = launches.map((entry, i) => ({
    launch: entry,
    report: reports.find((report) => report.name === entry.name),
    flags: flags[i],
    isDefault: entry.name === config?.defaults.backend,
    claudeLogin: entry.type === 'claude' && entry.spec ? claudeLoginStored(entry.spec.env) : undefined,
    codexHomeUnderTemp:
      entry.type === 'codex' && entry.spec ? codexHomeUnderTemp(entry.spec.env, options.env) : undefined,
  }));
  for (const report of reports) {
    if (!used.has(report.name))
      backends.push({
        launch: undefined,
        report,
        flags: undefined,
        isDefault: report.name === config?.defaults.backend,
      });
  }
  return {
    project: { root: place.root, dir: place.dir },
    config: place.configError !== undefined ? { error: place.configError } : undefined,
    backends,
    agentPath: agent,
    store,
    lock:
      store.kind === 'file'
        ? { path: join(place.dir, LOCK_FILE), ...inspectLock(join(place.dir, LOCK_FILE)) }
        : undefined,
    graph: graph ? graphFacts(graph, problems, place.root, pathVariable) : undefined,
    git,
    sandbox,
  };
}
