/**
 * A scripted model that does what a wg prompt asks, literally: it reads the task prompt in
 * the conversation it is sent, takes the command forms from its Protocol section exactly
 * as written (whatever `wg` spelling the prompt uses), writes each declared deliverable with
 * the file tool the agent program offers, registers it, reports with log and progress,
 * runs the task's check, and ends its turn. It is stateless: the next step is the number
 * of tool calls already in the conversation, so it works for any agent program that
 * replays the conversation on each request.
 *
 * Deliverable contents name their task and carry the first line of every upstream file
 * the prompt inlined, so a test can see context flow from one task to the next.
 *
 * A task whose prompt says `Ask a person first: QUESTION` makes it ask, with the Protocol
 * section's `wg ask` command, and end its turn; once the prompt carries the answer, it does
 * the task, and its deliverables say what the answer was (`answer: ...`).
 *
 * Where the Protocol section names wg's tools (`mcp__wg__log`, `wg_log`, `wg-log`: prompts/protocol-tools.md)
 * and the request offers a tool of that name, it calls the tool instead of a shell command.
 */
import { isAbsolute, join, relative } from 'node:path';
import { geminiToolNames, geminiToolSchema } from './gemini-api.js';
import type { Api, ScriptedReply } from './model-server.js';

export type { Api };

export interface TaskPrompt {
  taskId: string;
  title: string;
  workdir: string;
  root: string;
  deliverables: string[];
  verify: string | undefined;
  /** Command prefixes from the Protocol section, up to and including the task id (none where it names tools instead). */
  commands: Partial<Record<Verb, string>>;
  /** The tools the Protocol section names for each command, where it names tools. */
  tools: Partial<Record<Verb, string>>;
  /** First lines of the files inlined under "Context from upstream". */
  upstreamLines: string[];
  /** What the task says to ask a person before anything else (`Ask a person first: ...`). */
  ask?: string | undefined;
  /** A person's answer to the agent's question, when the prompt carries one. */
  answer?: string | undefined;
}

/** The section of a prompt under `## heading`, up to the next `## `. */
function section(prompt: string, heading: string): string {
  const start = prompt.indexOf(`\n## ${heading}\n`);
  if (start < 0) return '';
  const body = prompt.slice(start + heading.length + 5);
  const end = body.search(/\n## /);
  return end < 0 ? body : body.slice(0, end);
}

const VERBS = ['log', 'progress', 'artifact', 'ask'] as const;
type Verb = (typeof VERBS)[number];

function commandPrefix(protocol: string, taskId: string, verb: string): string | undefined {
  for (const match of protocol.matchAll(/`([^`\n]+)`/g)) {
    const span = match[1]!;
    const words = span.split(' ');
    const at = words.indexOf(taskId);
    if (at > 0 && words[at - 1] === verb) return words.slice(0, at + 1).join(' ');
  }
  return undefined;
}

/** A tool the Protocol section names for `verb`: one word in backticks ending in `_verb` or `-verb` (`mcp__wg__log`, `wg_log`, `wg-log`). */
function toolName(protocol: string, verb: string): string | undefined {
  return [...protocol.matchAll(/`([A-Za-z0-9_-]+)`/g)]
    .map((match) => match[1]!)
    .find((name) => name.endsWith(`_${verb}`) || name.endsWith(`-${verb}`));
}

export function parseTaskPrompt(prompt: string): TaskPrompt {
  const heading = /^# Task `([^`]+)`: (.*)$/m.exec(prompt);
  if (!heading) throw new Error('not a wg task prompt');
  const taskId = heading[1]!;
  const environment = section(prompt, 'Working directory and tools');
  const workdir = /Working directory: `([^`]+)`/.exec(environment)?.[1];
  const root = /Project root: `([^`]+)`/.exec(environment)?.[1] ?? workdir;
  if (!workdir || !root) throw new Error('the prompt names no working directory');
  const deliverables = [...section(prompt, 'What to deliver').matchAll(/^- `([^`]+)`/gm)].map((match) => match[1]!);
  const verify = /```+\n([\s\S]*?)\n```+/.exec(section(prompt, 'How it is checked'))?.[1];
  const protocol = section(prompt, 'Protocol');
  // The first line of each upstream file; of an upstream change (a diff), its first added line.
  const upstreamLines = [
    ...section(prompt, 'Context from upstream').matchAll(/^#### .*\n\n(`{3,})(diff)?\n([\s\S]*?)\n\1$/gm),
  ].map((match) => (match[2] ? (/^\+(.*)$/m.exec(match[3]!)?.[1] ?? '') : match[3]!.split('\n')[0]!));
  const body = prompt.slice(heading.index, prompt.indexOf('\n## '));
  const ask = /^Ask a person first: (.+)$/m.exec(body)?.[1]?.trim();
  const answer = /\*\*[^*\n]+ answered:\*\*\n\n> (.*)/.exec(body)?.[1]?.trim();
  return {
    taskId,
    title: heading[2]!,
    workdir,
    root,
    deliverables,
    verify,
    commands: Object.fromEntries(VERBS.map((verb) => [verb, commandPrefix(protocol, taskId, verb)])),
    tools: Object.fromEntries(VERBS.map((verb) => [verb, toolName(protocol, verb)])),
    upstreamLines,
    ask,
    answer,
  };
}

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** What the follower writes into a deliverable. */
export function deliverableContent(
  task: Pick<TaskPrompt, 'taskId' | 'upstreamLines'> & { answer?: string | undefined },
  path: string,
): string {
  return (
    [
      `${path} written by ${task.taskId}`,
      ...task.upstreamLines.map((line) => `from upstream: ${line}`),
      ...(task.answer ? [`answer: ${task.answer}`] : []),
    ].join('\n') + '\n'
  );
}

/** What the follower says when it ends its turn after asking. */
export const ASKED_TEXT = 'I asked a person and stop here until they answer.';

/** A protocol step: a tool call where the prompt names the tool, else the prompt's `wg` command. */
type Call =
  | { call: 'log'; input: { message: string } }
  | { call: 'progress'; input: { percent: number; message: string } }
  | { call: 'artifact'; input: { path: string } }
  | { call: 'ask'; input: { question: string } };
type Step = { shell: string } | { write: string; content: string } | Call;

export function plan(task: TaskPrompt): Step[] {
  // Asked and not answered yet: the question is the only step.
  if (task.ask && !task.answer) return [{ call: 'ask', input: { question: task.ask.replace(/"/g, '') } }];
  const absolute = (path: string) => (isAbsolute(path) ? path : join(task.root, path));
  return [
    { call: 'log', input: { message: `starting: ${task.title.replace(/"/g, '')}` } },
    { call: 'progress', input: { percent: 50, message: 'writing the deliverables' } },
    ...task.deliverables.map((path): Step => ({ write: absolute(path), content: deliverableContent(task, path) })),
    ...task.deliverables.map((path): Step => ({ call: 'artifact', input: { path: absolute(path) } })),
    ...(task.verify ? [{ shell: task.verify }] : []),
    { call: 'log', input: { message: `done: ${task.deliverables.length} deliverable(s) written` } },
  ];
}

/** A protocol step as the prompt's `wg` command. */
function shellForm(step: Call, task: TaskPrompt): string {
  const command = task.commands[step.call];
  if (!command)
    throw new Error(`the prompt's Protocol section gives no \`... ${step.call} ${task.taskId} ...\` command`);
  const input = step.input as Record<string, string | number>;
  if (step.call === 'progress') return `${command} ${step.input.percent} "${step.input.message}"`;
  if (step.call === 'artifact') return `${command} ${step.input.path}`;
  return `${command} "${String(input.message ?? input.question)}"`;
}

/**
 * Tool names an agent program offers, from a request body of any API. A function of a
 * Responses `namespace` tool (Codex's MCP servers) is named `NAMESPACE__FUNCTION`.
 */
function offeredTools(api: Api, body: any): string[] {
  if (api === 'gemini') return geminiToolNames(body);
  return (Array.isArray(body.tools) ? body.tools : []).flatMap((tool: any) =>
    tool?.type === 'namespace' && Array.isArray(tool.tools)
      ? tool.tools.map((inner: any) => `${tool.name}__${inner?.name}`)
      : [String(tool?.name ?? tool?.function?.name ?? '')],
  );
}

/** The parameter names of an offered tool, whatever the API nests its schema in. */
function parameters(api: Api, body: any, name: string): string[] {
  const schema =
    api === 'gemini'
      ? geminiToolSchema(body, name)
      : (Array.isArray(body.tools) ? body.tools : [])
          .map((tool: any) =>
            (tool?.name ?? tool?.function?.name) === name
              ? (tool.input_schema ?? tool.parameters ?? tool.function?.parameters)
              : undefined,
          )
          .find(Boolean);
  return Object.keys(schema?.properties ?? {});
}

/** A call of an offered tool: a namespaced one names its namespace apart. */
function callOf(name: string, input: Record<string, unknown>, body: any): ScriptedReply {
  for (const tool of Array.isArray(body.tools) ? body.tools : [])
    if (tool?.type === 'namespace' && name.startsWith(`${tool.name}__`))
      return { tool: name.slice(tool.name.length + 2), namespace: tool.name, input };
  return { tool: name, input };
}

const TASK_PROMPT = /^# Task `/m;

/** Codex's `exec_command` answers with a session id, not an exit code, when the command outlives its yield time. */
const STILL_RUNNING = /Process running with session ID (\d+)/;

/**
 * The text of every user message, how many steps the model has already taken (tool
 * calls other than polls of a running command) since the latest task prompt, and the
 * session of a command that was still running at the last tool result, if any. A
 * continued session (the next step of a trajectory) carries earlier task prompts too:
 * the latest one is the task at hand.
 */
function conversation(api: Api, body: any): { texts: string[]; toolCalls: number; running?: number } {
  const texts: string[] = [];
  let toolCalls = 0;
  let running: number | undefined;
  const collect = (content: unknown) => {
    const before = texts.length;
    if (typeof content === 'string') texts.push(content);
    else if (Array.isArray(content))
      for (const part of content) if (typeof part?.text === 'string') texts.push(part.text);
    if (texts.slice(before).some((text) => TASK_PROMPT.test(text))) toolCalls = 0;
  };
  if (api === 'anthropic') {
    for (const message of body.messages ?? []) {
      if (message.role === 'user') collect(message.content);
      else if (Array.isArray(message.content))
        toolCalls += message.content.filter((block: any) => block?.type === 'tool_use').length;
    }
  } else if (api === 'chat') {
    for (const message of body.messages ?? []) {
      if (message?.role === 'user') collect(message.content);
      else if (message?.role === 'assistant' && Array.isArray(message.tool_calls))
        toolCalls += message.tool_calls.length;
    }
  } else if (api === 'gemini') {
    for (const content of body.contents ?? []) {
      const parts: any[] = Array.isArray(content?.parts) ? content.parts : [];
      if (content?.role === 'user') collect(parts.filter((part) => typeof part?.text === 'string'));
      else toolCalls += parts.filter((part) => part?.functionCall).length;
    }
  } else {
    for (const item of body.input ?? []) {
      if (item?.type === 'message' && item.role === 'user') collect(item.content);
      if (
        (item?.type === 'function_call' && item.name !== 'write_stdin') ||
        item?.type === 'custom_tool_call' ||
        item?.type === 'local_shell_call'
      )
        toolCalls++;
      if (item?.type === 'function_call_output') {
        const match = STILL_RUNNING.exec(
          typeof item.output === 'string' ? item.output : JSON.stringify(item.output ?? ''),
        );
        running = match ? Number(match[1]) : undefined;
      }
    }
  }
  return { texts, toolCalls, running };
}

/** The step as a call of a tool the program offers. */
function toToolCall(api: Api, step: Step, task: TaskPrompt, tools: string[], body: any): ScriptedReply {
  const has = (name: string) => tools.includes(name);
  if ('call' in step) {
    const tool = task.tools[step.call];
    if (tool && has(tool)) return callOf(tool, step.input, body);
    step = { shell: shellForm(step, task) };
  }
  if ('write' in step) {
    if (has('Write')) return { tool: 'Write', input: { file_path: step.write, content: step.content } };
    // Gemini's and Qwen's take an absolute `file_path`; wg's own agent a `path` in its working directory.
    if (has('write_file'))
      return parameters(api, body, 'write_file').includes('file_path')
        ? { tool: 'write_file', input: { file_path: step.write, content: step.content } }
        : { tool: 'write_file', input: { path: relative(task.workdir, step.write), content: step.content } };
    // opencode's file tool, and Copilot's.
    if (has('write')) return { tool: 'write', input: { filePath: step.write, content: step.content } };
    if (has('create')) return { tool: 'create', input: { path: step.write, file_text: step.content } };
    step = { shell: `printf '%s' ${quote(step.content)} > ${quote(step.write)}` };
  }
  if (has('Bash')) return { tool: 'Bash', input: { command: step.shell, description: 'run a step of the task' } };
  if (has('bash'))
    return {
      tool: 'bash',
      input: { command: step.shell, ...(api === 'chat' ? { description: 'run a step of the task' } : {}) },
    };
  // As long as Codex allows: a command that outlives the yield time is still running when the result comes back.
  if (has('exec_command')) return { tool: 'exec_command', input: { cmd: step.shell, yield_time_ms: 30000 } };
  if (has('shell')) return { tool: 'shell', input: { command: ['bash', '-lc', step.shell] } };
  // Gemini CLI's and Qwen Code's.
  if (has('run_shell_command'))
    return { tool: 'run_shell_command', input: { command: step.shell, description: 'run a step of the task' } };
  throw new Error(`no shell tool among the offered tools: ${tools.join(', ')}`);
}

/** The files a continued step's prompt says the agent wrote earlier in this session (see src/prompt/build.ts). */
function sessionFiles(prompt: string): string[] {
  const mention = /You did this step earlier in this same session, and its files \(([^)]*)\)/.exec(prompt)?.[1];
  return mention ? [...mention.matchAll(/`([^`]+)`/g)].map((match) => match[1]!) : [];
}

/** `printf '%s' 'text' > '/path'`, as the follower writes a file with a shell tool (see toToolCall). */
const SHELL_WRITE = /^printf '%s' '((?:[^']|'\\'')*)' > '((?:[^']|'\\'')*)'$/s;
const unquote = (text: string) => text.replace(/'\\''/g, "'");

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** What the agent wrote to `path` in an earlier turn of the conversation (a Write call, or its shell form), if it did. */
function writtenEarlier(body: any, path: string): string | undefined {
  let content: string | undefined;
  const visit = (value: any) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const input = value.input;
      const target = input?.file_path ?? input?.path;
      if (
        value.type === 'tool_use' &&
        typeof target === 'string' &&
        (target === path || target.endsWith(`/${path}`)) &&
        typeof input.content === 'string'
      )
        content = input.content;
      else if (typeof value.function?.arguments === 'string') {
        // A Chat Completions tool call: opencode's write {filePath, content}, Copilot's create {path, file_text}.
        const args = parseJson(value.function.arguments);
        const target = args?.filePath ?? args?.file_path ?? args?.path;
        const text = args?.content ?? args?.file_text;
        if (typeof target === 'string' && (target === path || target.endsWith(`/${path}`)) && typeof text === 'string')
          content = text;
      } else if (value.type === 'function_call' && typeof value.arguments === 'string') {
        const command = (() => {
          try {
            return JSON.parse(value.arguments).cmd as unknown;
          } catch {
            return undefined;
          }
        })();
        const write = typeof command === 'string' ? SHELL_WRITE.exec(command) : null;
        if (write && unquote(write[2]!).endsWith(`/${path}`)) content = unquote(write[1]!);
      } else Object.values(value).forEach(visit);
    }
  };
  visit(body.messages ?? body.input ?? []);
  return content;
}

/** The follower's reply to one agent-loop request. */
export function followProtocol(api: Api, body: any): ScriptedReply {
  const { texts, toolCalls, running } = conversation(api, body);
  // A command still running is waited for, as a model reading the result would, before the next step.
  if (running !== undefined)
    return { tool: 'write_stdin', input: { session_id: running, chars: '', yield_time_ms: 30000 } };
  const prompt = texts.findLast((text) => TASK_PROMPT.test(text));
  if (!prompt) return { text: 'I was sent no wg task prompt.' };
  const task = parseTaskPrompt(prompt.slice(prompt.search(/^# Task `/m)));
  // A continued session's prompt names the files the agent wrote earlier in it instead of repeating them: it remembers what it wrote.
  for (const path of sessionFiles(prompt)) {
    const written = writtenEarlier(body, path);
    if (written !== undefined) task.upstreamLines.push(written.split('\n')[0]!);
  }
  const steps = plan(task);
  if (toolCalls >= steps.length)
    return { text: task.ask && !task.answer ? ASKED_TEXT : `Task ${task.taskId} is complete.` };
  return toToolCall(api, steps[toolCalls]!, task, offeredTools(api, body), body);
}

export interface ToolResult {
  ok: boolean;
  output: string;
}

/** The results of the tool calls in a request's conversation, as the agent program reported them to the model. */
export function toolResults(api: Api, body: any): ToolResult[] {
  const results: ToolResult[] = [];
  const text = (content: unknown): string =>
    typeof content === 'string'
      ? content
      : Array.isArray(content)
        ? content.map((part: any) => (typeof part?.text === 'string' ? part.text : '')).join('\n')
        : JSON.stringify(content ?? '');
  if (api === 'anthropic') {
    for (const message of body.messages ?? []) {
      for (const block of Array.isArray(message.content) ? message.content : []) {
        if (block?.type === 'tool_result') results.push({ ok: block.is_error !== true, output: text(block.content) });
      }
    }
  } else if (api === 'gemini') {
    for (const content of body.contents ?? []) {
      for (const part of Array.isArray(content?.parts) ? content.parts : []) {
        const answer = part?.functionResponse?.response;
        if (!answer) continue;
        const output = text(answer.output ?? answer.error ?? answer);
        // A shell result names its exit code only when it is not 0 (Gemini CLI: `Exit Code: 1`).
        const exit = /exit code:?\s*(-?\d+)/i.exec(output);
        results.push({
          ok: answer.error === undefined && (exit ? exit[1] === '0' : !/^error\b/i.test(output)),
          output,
        });
      }
    }
  } else if (api === 'chat') {
    for (const message of body.messages ?? []) {
      if (message?.role !== 'tool') continue;
      const output = text(message.content);
      // opencode's bash result carries the output, and an exit code only when it is not 0.
      const exit = /(?:exited with code|exit code:?|"exit_code":)\s*(-?\d+)/i.exec(output);
      results.push({ ok: exit ? exit[1] === '0' : !/^(error|Error:)/.test(output), output });
    }
  } else {
    for (const item of body.input ?? []) {
      if (item?.type !== 'function_call_output' && item?.type !== 'custom_tool_call_output') continue;
      const output = text(
        typeof item.output === 'object' && item.output !== null && 'content' in item.output
          ? item.output.content
          : item.output,
      );
      if (STILL_RUNNING.test(output)) continue; // Not a result yet: the poll that follows has it.
      const exit = /(?:exited with code|exit code:?|"exit_code":)\s*(-?\d+)/i.exec(output);
      // An MCP tool's result has no exit code: Codex sends its content parts (`codex exec` as an array, its ACP adapter
      // as their JSON after `Wall time: … Output:`); wg's tools answer `error: ...` when refused.
      const mcp = Array.isArray(item.output) || /^Wall time: [^\n]*\nOutput:\n\[/.test(output);
      const mcpOk = mcp && !/^error: |"text":"error: |requires approval|tool call failed/im.test(output);
      results.push({ ok: exit ? exit[1] === '0' : mcpOk, output });
    }
  }
  return results;
}

/** The names of the tools the model called in a request's conversation (Anthropic Messages or Chat Completions). */
export function calledTools(api: Api, body: any): string[] {
  if (api === 'openai')
    return (Array.isArray(body.input) ? body.input : [])
      .filter((item: any) => item?.type === 'function_call' || item?.type === 'custom_tool_call')
      .map((item: any) => String(item.name));
  const messages: any[] = Array.isArray(body.messages) ? body.messages : [];
  return api === 'anthropic'
    ? messages.flatMap((message) =>
        Array.isArray(message.content)
          ? message.content.filter((block: any) => block?.type === 'tool_use').map((block: any) => String(block.name))
          : [],
      )
    : messages.flatMap((message) =>
        Array.isArray(message.tool_calls) ? message.tool_calls.map((call: any) => String(call.function?.name)) : [],
      );
}
