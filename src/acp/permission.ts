/**
 * How wg answers an ACP agent's `session/request_permission`, pure: from the call the agent
 * describes and what the task allows, pick one of the options the agent offers, by its
 * kind (option ids differ between agents: `once`, `proceed_once`, `allow`...). Every request
 * gets an answer at once; nothing is ever left pending for a person who is not there.
 *
 * What is allowed, as for the claude backend: the protocol's `wg` commands and the task's
 * check; the task's `tools` (Claude Code rules: `Bash(npm test:*)`, `Write`...), else the
 * table's `allowed_tools`; reading and searching; and editing files inside the working
 * directory unless the task's `tools` leave out Write and Edit.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { allowsAnyBash, refusedPart, ruleForCall } from '../protocol/tool-rules.js';

export type OptionKind = 'allow_once' | 'allow_always' | 'reject_once' | 'reject_always';

export interface PermissionOption {
  optionId: string;
  kind: OptionKind | string;
  name?: string;
}

export interface PermissionCall {
  title?: string | null | undefined;
  kind?: string | null | undefined;
  rawInput?: unknown;
  /**
   * The title the agent's `tool_call` update gave this call, where it said more than the
   * request does: Copilot announces wg's tool as `wg-log` but asks about it as `log`.
   */
  announcedTitle?: string | undefined;
  /** The files it touches (Gemini CLI names them only here: its requests carry no rawInput). */
  locations?: ReadonlyArray<{ path: string }> | null | undefined;
}

export interface PermissionPolicy {
  /** Claude Code style rules: the protocol's, the check's, the task's (or the table's). */
  rules: readonly string[];
  /** Whether file edits inside the working directory are allowed. */
  edits: boolean;
  workdir: string;
  /** Further folders edits may touch (the graph folder when it lies outside the working directory). */
  writableRoots?: readonly string[];
  /** wg's own MCP tools as the agent names them (`wg_log`...): the protocol, always allowed. */
  protocolTools?: readonly string[];
  /**
   * The agent sends no rawInput and its shell call's title is the whole command, as given
   * to the shell (Gemini CLI 0.61): the title is judged as the command. For other
   * agents a title is only a label, and a shell call without a command is judged as any command.
   */
  commandInTitle?: boolean;
  /** The name of wg's MCP server in the session (`wg`), when the prompt names its tools: every tool of it is the protocol. */
  protocolServer?: string;
}

export type PermissionAnswer = { outcome: 'selected'; optionId: string } | { outcome: 'cancelled' };

export interface PermissionDecision {
  allowed: boolean;
  answer: PermissionAnswer;
  /** What was asked, in one line: `bash (rm -rf x)`. */
  request: string;
  /** The task `tools` rule that would allow it, when one can be named. */
  rule?: string | undefined;
}

const EDIT_TOOLS = /^(write|edit|multiedit|write_file|edit_file|notebookedit)$/i;
const FETCH_TOOLS = /^(webfetch|web_fetch|fetch)$/i;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The tool name of a rule: `Bash(npm test:*)` -> `bash`. */
const ruleName = (rule: string) => rule.trim().replace(/\(.*$/s, '').toLowerCase();

/** Whether the task's `tools` (when it names any) let the agent edit files. */
export function editsAllowed(taskTools: readonly string[] | undefined): boolean {
  return taskTools === undefined || taskTools.some((tool) => EDIT_TOOLS.test(ruleName(tool)));
}

function field(input: unknown, ...keys: string[]): unknown {
  if (input === null || typeof input !== 'object') return undefined;
  for (const key of keys) {
    const value = (input as Record<string, unknown>)[key];
    if (value !== undefined) return value;
  }
  return undefined;
}

/** The shell command of a call, if it carries one (`command` as a string or an argv array, `cmd`; else see commandInTitle). */
export function commandOf(call: PermissionCall, policy?: Pick<PermissionPolicy, 'commandInTitle'>): string | undefined {
  const value = field(call.rawInput, 'command', 'cmd');
  if (value === undefined && policy?.commandInTitle && call.kind === 'execute' && call.title?.trim())
    return call.title.trim();
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (Array.isArray(value) && value.every((part) => typeof part === 'string')) {
    // ['bash', '-lc', 'npm test'] is `npm test`.
    const parts = value as string[];
    if (parts.length === 3 && /(^|\/)(ba|z)?sh$/.test(parts[0]!) && /^-l?c$/.test(parts[1]!)) return parts[2];
    return parts.join(' ');
  }
  return undefined;
}

/** The paths a file call touches, as given in its input and its locations. */
function pathsOf(call: PermissionCall): string[] {
  const keys = ['filePath', 'file_path', 'path', 'abs_path', 'destination', 'new_path', 'old_path', 'notebook_path'];
  const input = call.rawInput;
  const located = (call.locations ?? []).map((location) => location?.path).filter((path) => typeof path === 'string');
  if (input === null || typeof input !== 'object') return located;
  return [
    ...keys
      .map((key) => (input as Record<string, unknown>)[key])
      .filter((value): value is string => typeof value === 'string'),
    ...located,
  ];
}

function inside(folder: string, path: string): boolean {
  const back = relative(folder, path);
  return back === '' || (!back.startsWith('..') && !isAbsolute(back));
}

/**
 * The server of an MCP tool call Codex's ACP adapter asks about (title `Approve MCP tool
 * call`; the tool is named only in a sentence, the server in rawInput.server_name).
 */
function codexMcpServer(call: PermissionCall): string | undefined {
  const input = call.rawInput as { server_name?: unknown; request?: { _meta?: { codex_approval_kind?: unknown } } };
  if (input === null || typeof input !== 'object') return undefined;
  return input.request?._meta?.codex_approval_kind === 'mcp_tool_call' && typeof input.server_name === 'string'
    ? input.server_name
    : undefined;
}

function describe(call: PermissionCall, command: string | undefined): string {
  const name = call.kind && call.kind !== 'other' ? call.kind : 'tool';
  const what = command ?? call.title ?? pathsOf(call)[0] ?? '';
  const text = `${name} (${what.replace(/\s+/g, ' ').trim()})`;
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

function judge(call: PermissionCall, policy: PermissionPolicy): { allowed: boolean; rule?: string | undefined } {
  const command = commandOf(call, policy);
  if (call.kind === 'execute' || command !== undefined) {
    if (command === undefined) return { allowed: allowsAnyBash(policy.rules), rule: 'Bash' };
    const refused = refusedPart(command, policy.rules);
    return refused === undefined ? { allowed: true } : { allowed: false, rule: ruleForCall('Bash', { command }) };
  }
  switch (call.kind) {
    case 'read':
    case 'search':
    case 'think':
      return { allowed: true };
    case 'edit':
    case 'delete':
    case 'move': {
      if (!policy.edits) return { allowed: false, rule: 'Write' };
      const roots = [policy.workdir, ...(policy.writableRoots ?? [])];
      const outside = pathsOf(call).find((path) => !roots.some((root) => inside(root, resolve(policy.workdir, path))));
      return outside === undefined ? { allowed: true } : { allowed: false };
    }
    case 'fetch':
      return policy.rules.some((rule) => FETCH_TOOLS.test(ruleName(rule)))
        ? { allowed: true }
        : { allowed: false, rule: 'WebFetch' };
    default: {
      // Another tool (an MCP tool, a mode switch): allowed only when the task's tools name it, or it is wg's own.
      if (policy.protocolServer !== undefined && codexMcpServer(call) === policy.protocolServer)
        return { allowed: true };
      const title = call.title?.trim() ?? '';
      const titles = [title, call.announcedTitle?.trim() ?? ''].filter((text) => text !== '');
      // A whole word: `wg-log`, not `x-wg-log` (another server's tool) nor `wg-log-x`.
      const protocol = (policy.protocolTools ?? []).map((tool) => new RegExp(`(^|[^\\w-])${escape(tool)}([^\\w-]|$)`));
      if (titles.some((text) => protocol.some((tool) => tool.test(text)))) return { allowed: true };
      const named = policy.rules.some((rule) => ruleName(rule) === title.toLowerCase() && title !== '');
      return named ? { allowed: true } : { allowed: false, rule: /^[A-Za-z][\w.-]*$/.test(title) ? title : undefined };
    }
  }
}

/** The option of the first kind present, in order of preference. */
function pick(options: readonly PermissionOption[], kinds: readonly OptionKind[]): PermissionAnswer {
  for (const kind of kinds) {
    const option = options.find((candidate) => candidate.kind === kind);
    if (option) return { outcome: 'selected', optionId: option.optionId };
  }
  // No option of a fitting kind: cancelling is the one answer that never grants anything.
  return { outcome: 'cancelled' };
}

export function decidePermission(
  call: PermissionCall,
  options: readonly PermissionOption[],
  policy: PermissionPolicy,
): PermissionDecision {
  const verdict = judge(call, policy);
  const request = describe(call, commandOf(call, policy));
  const answer = verdict.allowed
    ? pick(options, ['allow_once', 'allow_always'])
    : pick(options, ['reject_once', 'reject_always']);
  return { allowed: verdict.allowed && answer.outcome === 'selected', answer, request, rule: verdict.rule };
}
