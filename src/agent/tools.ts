/**
 * The built-in agent's tools. Each validates its input (a bad call is an error the model
 * reads, not a crash), resolves every path inside the working directory, and answers
 * with text for the model plus a one-line summary for the task's log.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { bashRuleFor, refusedPart } from '../protocol/tool-rules.js';
import { runBash } from './bash.js';
import { displayPath, resolveInside } from './confine.js';
import { globMatcher, walk } from './walk.js';

import { AGENT_TOOL_NAMES, type AgentToolName } from '../protocol/tool-names.js';

export { AGENT_TOOL_NAMES, type AgentToolName };

export interface ToolContext {
  workdir: string;
  bashTimeoutMs: number;
  env: NodeJS.ProcessEnv;
  /** The task's `Bash(...)` rules (and the protocol's and its check's): only commands they allow run. Undefined: any command. */
  bashRules?: readonly string[] | undefined;
  /** bwrap's options (ending with `--`): each bash command runs in that sandbox. */
  sandbox?: readonly string[] | undefined;
}

export interface ToolOutcome {
  content: string;
  isError: boolean;
  /** Set when the task's permissions refused the call: what was refused, and the rule that would allow it. */
  refused?: { request: string; rule: string } | undefined;
}

export interface ToolDefinition {
  name: AgentToolName;
  description: string;
  input_schema: { type: 'object'; properties: Record<string, unknown>; required: string[] };
}

const MAX_READ_BYTES = 256 * 1024;
const MAX_LIST = 1000;
const MAX_MATCHES = 200;

const string = (description: string) => ({ type: 'string', description });
const integer = (description: string) => ({ type: 'integer', description });
const boolean = (description: string) => ({ type: 'boolean', description });

export const TOOL_DEFINITIONS: Record<AgentToolName, ToolDefinition> = {
  read_file: {
    name: 'read_file',
    description: 'Read a text file in the working directory. Returns numbered lines.',
    input_schema: {
      type: 'object',
      properties: {
        path: string('Path relative to the working directory'),
        offset: integer('First line to return (1-based)'),
        limit: integer('Most lines to return'),
      },
      required: ['path'],
    },
  },
  write_file: {
    name: 'write_file',
    description: 'Create or overwrite a file in the working directory (missing folders are created).',
    input_schema: {
      type: 'object',
      properties: { path: string('Path relative to the working directory'), content: string('The whole new content') },
      required: ['path', 'content'],
    },
  },
  edit_file: {
    name: 'edit_file',
    description: 'Replace exact text in a file. old_string must occur exactly once unless replace_all is true.',
    input_schema: {
      type: 'object',
      properties: {
        path: string('Path relative to the working directory'),
        old_string: string('Exact text to replace'),
        new_string: string('Replacement text'),
        replace_all: boolean('Replace every occurrence'),
      },
      required: ['path', 'old_string', 'new_string'],
    },
  },
  list_files: {
    name: 'list_files',
    description:
      'List a folder of the working directory (folders end with /). recursive lists the whole tree, skipping .git and node_modules.',
    input_schema: {
      type: 'object',
      properties: { path: string('Folder, default "."'), recursive: boolean('List the whole tree') },
      required: [],
    },
  },
  search_files: {
    name: 'search_files',
    description: 'Search file contents with a regular expression. Returns path:line: text for each match.',
    input_schema: {
      type: 'object',
      properties: {
        pattern: string('JavaScript regular expression'),
        path: string('Folder or file, default "."'),
        glob: string('Only files matching this glob, e.g. "*.ts"'),
      },
      required: ['pattern'],
    },
  },
  bash: {
    name: 'bash',
    description: 'Run a bash command in the working directory. Returns its exit code and output.',
    input_schema: {
      type: 'object',
      properties: {
        command: string('The command'),
        timeout_seconds: integer('Stop it after this many seconds (capped by the configured limit)'),
      },
      required: ['command'],
    },
  },
};

const Inputs = {
  read_file: z.object({
    path: z.string(),
    offset: z.number().int().positive().optional(),
    limit: z.number().int().positive().optional(),
  }),
  write_file: z.object({ path: z.string(), content: z.string() }),
  edit_file: z.object({
    path: z.string(),
    old_string: z.string().min(1, 'old_string cannot be empty'),
    new_string: z.string(),
    replace_all: z.boolean().optional(),
  }),
  list_files: z.object({ path: z.string().optional(), recursive: z.boolean().optional() }),
  search_files: z.object({ pattern: z.string().min(1), path: z.string().optional(), glob: z.string().optional() }),
  bash: z.object({ command: z.string().min(1), timeout_seconds: z.number().positive().optional() }),
};

/** Run one tool call. Never throws: every failure becomes an error result for the model. */
export async function runTool(name: string, input: unknown, context: ToolContext): Promise<ToolOutcome> {
  if (!(AGENT_TOOL_NAMES as readonly string[]).includes(name))
    return { content: `unknown tool ${name}`, isError: true };
  const parsed = Inputs[name as AgentToolName].safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return {
      content: `invalid input for ${name}: ${issue.path.join('.') || 'input'}: ${issue.message}`,
      isError: true,
    };
  }
  try {
    return await TOOLS[name as AgentToolName](parsed.data as never, context);
  } catch (error) {
    return { content: error instanceof Error ? error.message : String(error), isError: true };
  }
}

const ok = (content: string): ToolOutcome => ({ content, isError: false });
const failed = (content: string): ToolOutcome => ({ content, isError: true });

function readText(path: string, shown: string): string {
  if (!existsSync(path)) throw new Error(`${shown} does not exist`);
  const stat = statSync(path);
  if (stat.isDirectory()) throw new Error(`${shown} is a folder: use list_files`);
  if (stat.size > MAX_READ_BYTES * 8)
    throw new Error(`${shown} is ${stat.size} bytes, too large to read whole; use search_files`);
  return readFileSync(path, 'utf8');
}

const TOOLS: {
  [K in AgentToolName]: (input: z.infer<(typeof Inputs)[K]>, context: ToolContext) => Promise<ToolOutcome>;
} = {
  async read_file(input, { workdir }) {
    const path = resolveInside(workdir, input.path);
    const lines = readText(path, input.path).split('\n');
    const first = (input.offset ?? 1) - 1;
    const chosen = lines.slice(first, input.limit !== undefined ? first + input.limit : undefined);
    let text = chosen.map((line, i) => `${String(first + i + 1).padStart(5)}  ${line}`).join('\n');
    if (text.length > MAX_READ_BYTES)
      text = `${text.slice(0, MAX_READ_BYTES)}\n[cut at ${MAX_READ_BYTES} characters: read further with offset]`;
    return ok(text === '' ? '(empty file)' : text);
  },

  async write_file(input, { workdir }) {
    const path = resolveInside(workdir, input.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, input.content);
    return ok(`wrote ${Buffer.byteLength(input.content)} bytes to ${displayPath(workdir, path)}`);
  },

  async edit_file(input, { workdir }) {
    const path = resolveInside(workdir, input.path);
    const text = readText(path, input.path);
    const count = text.split(input.old_string).length - 1;
    if (count === 0) return failed(`old_string was not found in ${input.path}`);
    if (count > 1 && !input.replace_all)
      return failed(
        `old_string occurs ${count} times in ${input.path}: add context to make it unique, or set replace_all`,
      );
    writeFileSync(path, text.split(input.old_string).join(input.new_string));
    return ok(`replaced ${count} occurrence${count === 1 ? '' : 's'} in ${displayPath(workdir, path)}`);
  },

  async list_files(input, { workdir }) {
    const path = resolveInside(workdir, input.path ?? '.');
    if (!existsSync(path)) return failed(`${input.path} does not exist`);
    if (!statSync(path).isDirectory()) return failed(`${input.path} is a file, not a folder`);
    const { entries, truncated } = walk(path, { recursive: input.recursive ?? false, limit: MAX_LIST });
    const listing = entries.map((entry) => entry.path).join('\n');
    return ok(`${listing || '(empty folder)'}${truncated ? `\n[only the first ${MAX_LIST} entries]` : ''}`);
  },

  async search_files(input, { workdir }) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(input.pattern);
    } catch (error) {
      return failed(`invalid regular expression: ${(error as Error).message}`);
    }
    const start = resolveInside(workdir, input.path ?? '.');
    if (!existsSync(start)) return failed(`${input.path} does not exist`);
    const globMatches = input.glob ? globMatcher(input.glob) : undefined;
    const files = statSync(start).isDirectory()
      ? walk(start, { recursive: true, limit: 20_000 })
          .entries.filter((entry) => !entry.isDirectory)
          .map((entry) => entry.absolute)
      : [start];
    const matches: string[] = [];
    for (const file of files) {
      const shown = displayPath(workdir, file);
      if (globMatches && !globMatches(shown)) continue;
      let text: string;
      try {
        // Resolving again refuses symlinks among the files that point outside.
        const inside = resolveInside(workdir, shown);
        if (statSync(inside).size > MAX_READ_BYTES * 4) continue;
        text = readFileSync(inside, 'utf8');
      } catch {
        continue;
      }
      if (text.includes('\0')) continue;
      const lines = text.split('\n');
      for (let i = 0; i < lines.length && matches.length < MAX_MATCHES; i++) {
        if (pattern.test(lines[i]!)) matches.push(`${shown}:${i + 1}: ${lines[i]!.slice(0, 300)}`);
      }
      if (matches.length >= MAX_MATCHES) break;
    }
    if (matches.length === 0) return ok('no matches');
    return ok(`${matches.join('\n')}${matches.length >= MAX_MATCHES ? `\n[stopped at ${MAX_MATCHES} matches]` : ''}`);
  },

  async bash(input, { workdir, bashTimeoutMs, env, bashRules, sandbox }) {
    const refused = bashRules ? refusedPart(input.command, bashRules) : undefined;
    if (refused !== undefined) {
      const rule = bashRuleFor(refused);
      return {
        content: `permission denied: \`${refused}\` is not among the commands this task may run (${bashRules!.join(', ')}). It was not run. Do the work without it: when you finish, the task's check decides whether it is done.`,
        isError: true,
        refused: {
          request: `bash (${input.command.replace(/\s+/g, ' ').slice(0, 200)}): \`${refused}\` is not allowed by the task's tools`,
          rule,
        },
      };
    }
    const timeoutMs = Math.min(
      bashTimeoutMs,
      input.timeout_seconds !== undefined ? input.timeout_seconds * 1000 : bashTimeoutMs,
    );
    const result = await runBash(input.command, { cwd: workdir, timeoutMs, env, sandbox });
    const status = result.timedOut
      ? `timed out after ${timeoutMs / 1000}s`
      : result.exitCode !== undefined
        ? `exit code ${result.exitCode}`
        : `killed by ${result.signal ?? 'a signal'}`;
    const output = `${status}\n${result.output}`.trimEnd();
    return result.exitCode === 0 && !result.timedOut ? ok(output) : failed(output);
  },
};

/** A one-line summary of a call, for the task's log. */
export function describeToolCall(name: string, input: unknown): string {
  const object = (input ?? {}) as Record<string, unknown>;
  const value =
    object.command ?? object.path ?? object.pattern ?? object.message ?? object.question ?? object.reason ?? '';
  return typeof value === 'string' ? value.replace(/\s+/g, ' ').slice(0, 200) : '';
}
