/**
 * Which backend runs a task, and the backend objects themselves. Pure: the config is
 * passed in already loaded.
 */
import { ConfigError } from '../errors.js';
import type { Actor, Task } from '../graph/schema.js';
import type { Config } from '../config/config.js';
import { ACP_PREFIX, acpBackend } from './acp.js';
import { KNOWN_ACP_AGENT_NAMES } from '../acp/known-agents.js';
import { anthropicBackend } from './anthropic.js';
import { claudeBackend } from './claude.js';
import { codexBackend } from './codex.js';
import { commandBackend } from './command.js';
import { shellBackend } from './shell.js';
import type { Backend } from './types.js';

export type { AgentEvent, Backend, LaunchSpec, OutputParser, RunContext, Stream, Usage } from './types.js';

/** Backends known by name without any configuration (`command` still needs its [backends.command] table). */
export const BUILTIN_BACKENDS: Readonly<Record<string, Backend>> = {
  shell: shellBackend,
  command: commandBackend('command'),
  claude: claudeBackend('claude'),
  codex: codexBackend('codex'),
  anthropic: anthropicBackend('anthropic'),
};

/** What a `[backends.NAME]` table may set as `type` to define a further backend called NAME. */
export const BACKEND_TYPES: Readonly<Record<string, (name: string) => Backend>> = {
  command: commandBackend,
  claude: (name) => claudeBackend(name),
  codex: (name) => codexBackend(name),
  anthropic: anthropicBackend,
  acp: acpBackend,
};

/** `acp:NAME` for every known ACP agent: backends by name, no table needed. */
export const ACP_BACKEND_NAMES: readonly string[] = KNOWN_ACP_AGENT_NAMES.map((name) => `${ACP_PREFIX}${name}`);

export interface ResolvedBackend {
  backend: Backend;
  /** The backend's `[backends.NAME]` table ({} when there is none), for RunContext.settings. */
  settings: Record<string, unknown>;
}

/** Names a task or actor may use: the built-ins plus every typed table in config.toml. */
export function knownBackendNames(config: Pick<Config, 'backends'>): string[] {
  const configured = Object.entries(config.backends ?? {})
    .filter(([, table]) => table.type !== undefined)
    .map(([name]) => name);
  return [...new Set([...Object.keys(BUILTIN_BACKENDS), ...ACP_BACKEND_NAMES, ...configured])];
}

export function resolveBackend(name: string, config: Pick<Config, 'backends'>): ResolvedBackend {
  const table = Object.hasOwn(config.backends ?? {}, name) ? config.backends![name] : undefined;
  // `max_parallel` is the runner's (how many jobs at once), not the backend's to validate.
  const { max_parallel: _runnerSetting, ...settings }: Record<string, unknown> = table ?? {};
  const type = table?.type;
  const builtin = Object.hasOwn(BUILTIN_BACKENDS, name) ? BUILTIN_BACKENDS[name] : undefined;

  if (builtin) {
    // `[backends.command] type = "command"` is harmless; any other type would silently be ignored, so refuse it.
    if (type !== undefined && type !== name) {
      throw new ConfigError(
        `config.toml [backends.${name}]: type "${type}" cannot redefine the built-in ${name} backend`,
        'give the table another name',
      );
    }
    return { backend: builtin, settings };
  }
  if (ACP_BACKEND_NAMES.includes(name) && (type === undefined || type === 'acp')) {
    // A known agent (`acp:opencode`), its table optional; an unknown one is refused when it is used.
    return { backend: acpBackend(name), settings };
  }
  if (type !== undefined) {
    const make = Object.hasOwn(BACKEND_TYPES, type) ? BACKEND_TYPES[type] : undefined;
    if (!make)
      throw new ConfigError(
        `config.toml [backends.${name}]: unknown type "${type}" (known: ${Object.keys(BACKEND_TYPES).join(', ')})`,
      );
    return { backend: make(name), settings };
  }
  if (table) {
    throw new ConfigError(
      `config.toml [backends.${name}] has no type, and ${name} is not a built-in backend`,
      'add: type = "command"',
    );
  }
  throw new ConfigError(
    `unknown backend "${name}" (known: ${knownBackendNames(config).join(', ')})`,
    'define it in .workgraph/config.toml as a [backends.NAME] table with type = "command"',
  );
}

/**
 * The backend that runs `task`: the task's own `backend`, else `shell` when the task has
 * an `exec` command, else its actor's backend, else config.toml's [defaults] backend.
 *
 * `exec` ranks above the actor on purpose: it is the task's own instruction, more specific
 * than the actor's general preference, so a task with `exec` that an agent actor picks up
 * still runs its command (the actor's agent would only be handed a prompt about it).
 * A task that wants an agent despite having `exec` names its backend itself.
 * Empty strings count as unset (that is how a field is cleared).
 */
export function chooseBackendName(task: Task, actor: Actor | undefined, config: Pick<Config, 'defaults'>): string {
  const named = (value: string | undefined) => (value !== undefined && value.trim() !== '' ? value.trim() : undefined);
  const choice =
    named(task.backend) ??
    (named(task.exec) !== undefined ? 'shell' : undefined) ??
    named(actor?.backend) ??
    named(config.defaults.backend);
  if (choice === undefined) {
    throw new ConfigError(
      `task ${task.id} names no backend and config.toml has no [defaults] backend`,
      `set one: wg edit ${task.id} --backend <name>, or backend = "<name>" under [defaults] in .workgraph/config.toml`,
    );
  }
  return choice;
}
