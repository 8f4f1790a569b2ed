/**
 * One interface for every agent backend: from a task, its prompt and the options,
 * produce the process to launch; then turn that process's output lines into
 * normalized events. The runner owns everything else (spawning, timeouts, logs).
 */
import type { Task } from '../graph/schema.js';
import type { WgToolName } from '../mcp/tools.js';
import type { AgentEvent, Usage } from '../protocol/agent-event.js';
import type { Env } from '../system/agent-env.js';
import type { ProgramEnvironment } from './program-env.js';

export type { AgentEvent, Usage };

export interface RunContext {
  task: Task;
  /** The prompt text (see src/prompt/); backends that take no prompt ignore it. */
  prompt: string;
  /** Absolute path of the prompt, already written to the run directory as prompt.md. */
  promptFile: string;
  /** Absolute working directory of the agent. */
  workdir: string;
  /** Absolute path of the `.workgraph` folder the agent's `wg` commands write to. */
  workgraphDir: string;
  /** Task's model, else the actor's, else config's default. */
  model: string | undefined;
  /** This backend's table from config.toml (`[backends.<name>]`), unvalidated: each backend validates its own. */
  settings: Record<string, unknown>;
  /** The environment the agent gets (the allowlist of src/system/agent-env.ts, plus WG_*); a backend may add or remove variables. */
  env: Record<string, string | undefined>;
  /** A session id from the previous step of a trajectory, for backends that can resume one. */
  resumeSession?: string | undefined;
  /** The session of this task's previous attempt, continued by a retry that repairs its own work (backends with `continuesSessions`). */
  continueSession?: string | undefined;
  /** Dollars this attempt may still spend (the task's cap less what earlier attempts spent), for backends that can enforce it themselves. */
  maxCostUsd?: number | undefined;
  /** `[defaults] max_turns`: the turn limit when neither the task nor the backend's table sets one. */
  defaultMaxTurns?: number | undefined;
  /** What a refused call does (`[run] on_permission_denied`, resolved for the task), for agents that answer refusals themselves. */
  onPermissionDenied?: 'fail' | 'continue' | undefined;
  /** Offer the protocol as tools (`[run] mcp`; only asked of backends with `protocolToolName`): `wg mcp`, or the built-in agent's own. */
  protocolTools?: boolean | undefined;
  /** bwrap's options, up to `--`, for a backend that runs each of its agent's commands in the sandbox (`sandbox: 'commands'`). */
  sandbox?: readonly string[] | undefined;
  /** `[run] sandbox = "bwrap"` asked for a sandbox, for a backend whose program has its own (Claude Code turns it on). */
  ownSandbox?: boolean | undefined;
}

/** What a backend needs to say what an agent may do (a task, or none for the backend's defaults). */
export type PermissionContext = Pick<
  RunContext,
  'settings' | 'workdir' | 'workgraphDir' | 'onPermissionDenied' | 'protocolTools'
> & {
  task: Task | undefined;
};

export interface LaunchSpec {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  /** Written to stdin, which is then closed. Undefined: stdin is not connected at all. */
  stdin?: string | undefined;
  /** Files the program reads, written into the attempt's run directory (beside prompt.md) before it starts. */
  files?: Array<{ name: string; content: string }> | undefined;
}

/** Each Usage field under its name in the graph's `token_usage` (and on a `::usage` line). */
const USAGE_RECORD_NAMES = {
  inputTokens: 'input_tokens',
  outputTokens: 'output_tokens',
  cacheReadTokens: 'cache_read_tokens',
  cacheWriteTokens: 'cache_write_tokens',
  costUsd: 'cost_usd',
} as const satisfies Record<keyof Usage, string>;

export type UsageRecord = { [K in keyof Usage as (typeof USAGE_RECORD_NAMES)[K]]?: number };

const usageEntries = Object.entries(USAGE_RECORD_NAMES) as Array<[keyof Usage, keyof UsageRecord]>;

export function usageFromRecord(record: UsageRecord): Usage {
  const usage: Usage = {};
  for (const [field, name] of usageEntries) if (record[name] !== undefined) usage[field] = record[name];
  return usage;
}

export function usageToRecord(usage: Usage): UsageRecord {
  const record: UsageRecord = {};
  for (const [field, name] of usageEntries) if (usage[field] !== undefined) record[name] = usage[field];
  return record;
}

export type Stream = 'stdout' | 'stderr';

/** Stateful for one run: called once per output line, in order. */
export interface OutputParser {
  line(text: string, stream: Stream): AgentEvent[];
  /** After the process exited: any events the parser still owes (a summary, a missing result). */
  end?(): AgentEvent[];
}

export interface Backend {
  readonly name: string;
  /** Whether the agent receives a prompt (the shell backend runs `exec` and does not). */
  readonly usesPrompt: boolean;
  /**
   * How `[run] sandbox = "bwrap"` applies: `process`, the runner wraps the whole program;
   * `commands`, the agent runs each of its commands in it (it needs the network itself);
   * `own`, the program's own sandbox is turned on (Claude Code, see `ownSandbox`).
   * Undefined: the program always runs in a sandbox of its own (Codex), and wg leaves it be.
   */
  readonly sandbox?: 'process' | 'commands' | 'own';
  /** Whether `launch` continues a previous attempt's session given its id (`continueSession`). */
  readonly continuesSessions?: boolean;
  /**
   * The name the model sees for a protocol tool (`log` → `mcp__wg__log`), for backends that
   * can offer the protocol as tools (src/mcp/); the prompt then names these instead of `wg` commands.
   */
  protocolToolName?(tool: WgToolName): string;
  /** The process to launch. Throws ConfigError when the configuration is unusable (never retried). */
  launch(context: RunContext): LaunchSpec;
  /**
   * What the agent may do without asking, one line each, for its prompt, `wg run --dry-run`
   * and `wg backends`. Throws ConfigError like `launch` when the settings are unusable.
   */
  permissions(context: PermissionContext): string[];
  /**
   * What the program reads from wg's environment (passed through the allowlist) and which
   * of it is its credential (kept from the commands it runs). None: `command` and `shell`.
   */
  environment?(env: Env): ProgramEnvironment;
  parser(): OutputParser;
}
