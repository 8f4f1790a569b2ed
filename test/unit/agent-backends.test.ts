/** Pure parts of the claude, codex and anthropic backends: command lines, settings, stream parsing, program lookup. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anthropicBackend, anthropicEventParser } from '../../src/backends/anthropic.js';
import {
  claudeBackend,
  claudeArgs,
  claudePermissions,
  parseClaudeSettings,
  protocolRules,
} from '../../src/backends/claude.js';
import { claudeStreamParser } from '../../src/backends/claude-stream.js';
import { codexArgs, codexBackend, parseCodexSettings } from '../../src/backends/codex.js';
import { codexStreamParser, unwrapShellCommand } from '../../src/backends/codex-stream.js';
import { findProgram } from '../../src/backends/find-program.js';
import type { AgentEvent, OutputParser, RunContext } from '../../src/backends/types.js';
import { ConfigError } from '../../src/errors.js';

function context(fields: Partial<RunContext> = {}): RunContext {
  return {
    task: { id: 't', title: 'T', status: 'in-progress' },
    prompt: 'Do it.',
    promptFile: '/runs/t/1/prompt.md',
    workdir: '/work',
    workgraphDir: '/work/.workgraph',
    model: 'm-1',
    settings: {},
    env: { PATH: '/bin', CLAUDECODE: '1', ANTHROPIC_API_KEY: 'k' },
    ...fields,
  };
}

const found = () => ({ path: '/opt/agent', source: 'config' as const });
const PROTOCOL_RULES = [
  'Bash(wg log:*)',
  'Bash(wg progress:*)',
  'Bash(wg artifact:*)',
  'Bash(wg ask:*)',
  'Bash(wg fail:*)',
  'Bash(wg show:*)',
  'Bash(wg context:*)',
];
const feed = (parser: OutputParser, lines: Array<string | object>): AgentEvent[] => [
  ...lines.flatMap((line) => parser.line(typeof line === 'string' ? line : JSON.stringify(line), 'stdout')),
  ...(parser.end?.() ?? []),
];

describe('claude backend', () => {
  it('puts the prompt on stdin, removes CLAUDECODE, and lets a task ask for a tool that is disallowed by default', () => {
    const spec = claudeBackend('claude', found).launch(
      context({
        task: { id: 't', title: 'T', status: 'open', tools: ['Bash', 'Task'] },
        resumeSession: 'abc',
        settings: { resume: true },
      }),
    );
    expect(spec).toMatchObject({ file: '/opt/agent', cwd: '/work', stdin: 'Do it.' });
    expect(spec.env).not.toHaveProperty('CLAUDECODE');
    expect(spec.args).toEqual([
      '-p',
      '--verbose',
      '--output-format',
      'stream-json',
      '--permission-mode',
      'acceptEdits',
      '--model',
      'm-1',
      '--allowedTools',
      ...PROTOCOL_RULES,
      'Bash',
      'Task',
      '--disallowedTools',
      'Agent',
      'EnterWorktree',
      'ExitWorktree',
      'Workflow',
      'SendMessage',
      '--resume',
      'abc',
    ]);
  });

  it('pre-approves exactly the protocol commands and the check (each part of a compound one), and says so', () => {
    expect(protocolRules('npm test && node check.js')).toEqual([
      ...PROTOCOL_RULES,
      'Bash(npm test && node check.js)',
      'Bash(npm test)',
      'Bash(node check.js)',
    ]);
    const settings = parseClaudeSettings('claude', { allowed_tools: ['Read', 'Bash(make lint)'] });
    const task = { id: 't', title: 'T', status: 'open' as const, verify: 'npm test' };
    expect(claudeArgs(settings, { task, model: undefined })).toEqual(
      expect.arrayContaining(['--allowedTools', ...PROTOCOL_RULES, 'Bash(npm test)', 'Read', 'Bash(make lint)']),
    );
    expect(claudePermissions(settings, task)).toEqual([
      'read files, and create and edit files in the working directory (permission mode acceptEdits)',
      'run `wg log`, `wg progress`, `wg artifact`, `wg ask`, `wg fail`, `wg show`, `wg context` with Bash',
      "run the task's check with Bash: `npm test`",
      'use Read, Bash(make lint)',
      'no other Bash command but those Claude Code itself judges read-only (ls, cat, git status): any other call is refused and ends the attempt',
      'never: Task, Agent, EnterWorktree, ExitWorktree, Workflow, SendMessage',
    ]);
  });

  it('halts at once on a refused call or a missing login, but not on other tool errors', () => {
    const events = feed(claudeStreamParser(), [
      {
        type: 'assistant',
        message: { content: [{ type: 'tool_use', id: 'w1', name: 'Write', input: { file_path: '/elsewhere/x.txt' } }] },
      },
      {
        type: 'user',
        message: {
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'w1',
              content: "Claude requested permissions to write to /elsewhere/x.txt, but you haven't granted it yet.",
              is_error: true,
            },
          ],
        },
      },
      {
        type: 'user',
        message: {
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'w1',
              content: '<tool_use_error>File has not been read yet.</tool_use_error>',
              is_error: true,
            },
          ],
        },
      },
    ]);
    expect(events.filter((event) => event.type === 'halt')).toEqual([
      {
        type: 'halt',
        kind: 'permission-denied',
        request:
          "Write (/elsewhere/x.txt): Claude requested permissions to write to /elsewhere/x.txt, but you haven't granted it yet.",
        rule: 'Write',
      },
    ]);
    const login = feed(claudeStreamParser(), [
      { type: 'result', subtype: 'success', is_error: true, result: 'Not logged in · Please run /login' },
    ]);
    expect(login).toContainEqual({
      type: 'halt',
      kind: 'input-required',
      request: 'a login or an API key for Claude Code (Not logged in · Please run /login)',
    });
    const retry = feed(claudeStreamParser(), [
      {
        type: 'system',
        subtype: 'api_retry',
        attempt: 1,
        max_retries: 10,
        error_status: 401,
        error: 'authentication_failed',
      },
    ]);
    expect(retry[0]).toEqual({
      type: 'halt',
      kind: 'input-required',
      request: 'a login or a valid API key for Claude Code (the model API answered HTTP 401)',
    });
  });

  it('a rejected rate_limit_event and an API 429/529 result halt the attempt as rate-limited, with the reset when it is given', () => {
    const rejected = feed(claudeStreamParser(), [
      {
        type: 'rate_limit_event',
        rate_limit_info: { status: 'rejected', rateLimitType: 'five_hour', resetsAt: 1_900_000_000 },
      },
    ]);
    expect(rejected).toContainEqual({
      type: 'halt',
      kind: 'rate-limited',
      request: "Claude Code's five_hour limit was reached",
      resetAt: new Date(1_900_000_000_000).toISOString(),
    });
    const overloaded = feed(claudeStreamParser(), [
      { type: 'result', subtype: 'success', is_error: true, api_error_status: 529, result: 'Overloaded' },
    ]);
    expect(overloaded).toContainEqual({
      type: 'halt',
      kind: 'rate-limited',
      request: 'the model API answered HTTP 529: Overloaded',
    });
  });

  it('resumes a trajectory step unless resume = false, and reports bad settings and a missing program as ConfigError', () => {
    const base = [
      '-p',
      '--verbose',
      '--output-format',
      'stream-json',
      '--permission-mode',
      'acceptEdits',
      '--allowedTools',
      ...PROTOCOL_RULES,
    ];
    expect(
      claudeArgs(parseClaudeSettings('claude', { disallowed_tools: [] }), {
        task: context().task,
        model: undefined,
        resumeSession: 'abc',
      }),
    ).toEqual([...base, '--resume', 'abc']);
    expect(
      claudeArgs(parseClaudeSettings('claude', { disallowed_tools: [], resume: false }), {
        task: context().task,
        model: undefined,
        resumeSession: 'abc',
      }),
    ).toEqual(base);
    expect(() => parseClaudeSettings('claude', { permission_mode: 'ask' })).toThrow(ConfigError);
    expect(() => parseClaudeSettings('claude', { max_turn: 3 })).toThrow(
      /config\.toml \[backends\.claude\]: Unrecognized key/,
    );
    expect(() => claudeBackend('claude', () => undefined).launch(context())).toThrow(
      /Claude Code \(claude\) is not on PATH/,
    );
  });

  it('maps a session onto events: init, tool calls, failed tool results, the text, usage and the verdict', () => {
    const events = feed(claudeStreamParser(), [
      { type: 'system', subtype: 'init', session_id: 's-1', model: 'm-1', claude_code_version: '2.1.197' },
      {
        type: 'assistant',
        message: { content: [{ type: 'tool_use', id: 'u1', name: 'Bash', input: { command: 'npm   test' } }] },
      },
      {
        type: 'user',
        message: {
          content: [
            { type: 'tool_result', tool_use_id: 'u1', content: 'This command requires approval', is_error: true },
          ],
        },
      },
      { type: 'rate_limit_event', rate_limit_info: { status: 'allowed_warning', rateLimitType: 'five_hour' } },
      { type: 'brand_new_line_type', anything: true },
      'not json at all',
      { type: 'assistant', message: { content: [{ type: 'text', text: 'Done.' }] } },
      {
        type: 'result',
        subtype: 'success',
        is_error: false,
        num_turns: 2,
        session_id: 's-1',
        result: 'Done.',
        total_cost_usd: 0.25,
        usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 7 },
        permission_denials: [],
      },
    ]);
    expect(events).toEqual([
      { type: 'progress', message: 'Claude Code 2.1.197 started with model m-1, session s-1' },
      { type: 'tool', name: 'Bash', summary: 'npm test' },
      { type: 'error', message: 'Bash failed: This command requires approval' },
      {
        type: 'halt',
        kind: 'permission-denied',
        request: 'Bash (npm test): This command requires approval',
        rule: 'Bash(npm test:*)',
      },
      { type: 'progress', message: 'rate limit allowed_warning (five_hour)' },
      { type: 'progress', message: 'not json at all' },
      { type: 'text', text: 'Done.' },
      // The model the init line named: what wg cost lists for the attempt.
      {
        type: 'usage',
        inputTokens: 10,
        outputTokens: 5,
        cacheReadTokens: 100,
        cacheWriteTokens: 7,
        costUsd: 0.25,
        model: 'm-1',
      },
      // The result line's text is the agent's final message: its summary.
      { type: 'summary', text: 'Done.' },
      { type: 'result', ok: true, sessionId: 's-1' },
    ]);
  });

  it('gives no summary when the result is a failure: its text is the error, not an account of the work', () => {
    const events = feed(claudeStreamParser(), [
      { type: 'result', subtype: 'error_max_turns', is_error: true, num_turns: 8, result: 'Stopped.' },
    ]);
    expect(events.filter((event) => event.type === 'summary')).toEqual([]);
  });

  it("names the model from the result's modelUsage (the dearest) when no init line did", () => {
    const events = feed(claudeStreamParser(), [
      {
        type: 'result',
        subtype: 'success',
        is_error: false,
        session_id: 's',
        total_cost_usd: 0.3,
        usage: { input_tokens: 10 },
        modelUsage: { 'claude-haiku-x': { costUSD: 0.01 }, 'claude-opus-x': { costUSD: 0.29 } },
      },
    ]);
    expect(events[0]).toEqual({ type: 'usage', inputTokens: 10, costUsd: 0.3, model: 'claude-opus-x' });
  });

  it('fails on is_error, on turn and budget limits, on denied permissions, and when no result came', () => {
    const verdict = (result: object) =>
      feed(claudeStreamParser(), [{ type: 'result', session_id: 's', ...result }]).at(-1);
    expect(verdict({ subtype: 'success', is_error: true, api_error_status: 529, result: 'Overloaded' })).toEqual({
      type: 'result',
      ok: false,
      reason: 'Claude Code failed on a model API error (HTTP 529): Overloaded',
      sessionId: 's',
    });
    expect(verdict({ subtype: 'error_max_turns', is_error: true, num_turns: 8 })).toMatchObject({
      ok: false,
      reason: 'Claude Code stopped at its turn limit after 8 turns',
    });
    expect(verdict({ subtype: 'error_max_budget_usd', is_error: true, total_cost_usd: 2 })).toMatchObject({
      ok: false,
      reason: 'Claude Code stopped at its budget limit ($2 spent)',
    });
    expect(
      verdict({
        subtype: 'success',
        is_error: false,
        permission_denials: [{ tool_name: 'Write', tool_input: { file_path: '/etc/hosts' } }],
      }),
    ).toMatchObject({
      ok: false,
      reason:
        "Claude Code was denied permission for Write (/etc/hosts); allow it in the task's tools or [backends.claude] allowed_tools",
    });
    const parser = claudeStreamParser();
    parser.line('Error: something broke', 'stderr');
    expect(parser.end!()).toEqual([
      { type: 'result', ok: false, reason: 'Claude Code ended without a result: Error: something broke' },
    ]);
  });

  it('reports a session it could not resume, and does not pass that session on', () => {
    const parser = claudeStreamParser();
    parser.line('No conversation found with session ID: s-old', 'stderr');
    const events = feed(parser, [
      { type: 'result', subtype: 'error_during_execution', is_error: true, session_id: 's-old' },
    ]);
    expect(events.at(-1)).toEqual({
      type: 'result',
      ok: false,
      reason:
        "could not resume the previous step's Claude Code session (No conversation found with session ID: s-old); a retry starts a fresh session",
    });
  });
});

describe('codex backend', () => {
  it('reads the prompt from a closed stdin and passes config overrides as TOML values', () => {
    const spec = codexBackend('codex', found).launch(
      context({ settings: { sandbox: 'read-only', config: { a: 'x', b: 2, c: true } } }),
    );
    expect(spec.args).toEqual([
      'exec',
      '--json',
      '--sandbox',
      'read-only',
      '--skip-git-repo-check',
      '-C',
      '/work',
      '-c',
      'allow_login_shell=false',
      '-m',
      'm-1',
      '-c',
      'a="x"',
      '-c',
      'b=2',
      '-c',
      'c=true',
      '-',
    ]);
    expect(spec.stdin).toBe('Do it.');
    expect(() => codexBackend('codex', found).launch(context({ settings: { sandbox: 'none' } }))).toThrow(ConfigError);
  });

  it('maps a turn onto events; reconnect errors are progress, not the end', () => {
    const events = feed(codexStreamParser(), [
      { type: 'thread.started', thread_id: 'th-1' },
      { type: 'turn.started' },
      { type: 'error', message: 'Reconnecting... 1/5 (stream disconnected)' },
      {
        type: 'item.started',
        item: { type: 'command_execution', command: "/bin/bash -lc 'npm test'", status: 'in_progress' },
      },
      {
        type: 'item.completed',
        item: { type: 'command_execution', command: "/bin/bash -lc 'npm test'", exit_code: 1, status: 'completed' },
      },
      {
        type: 'item.completed',
        item: { type: 'file_change', changes: [{ path: 'src/a.ts', kind: 'update' }], status: 'completed' },
      },
      { type: 'item.completed', item: { type: 'error', message: 'Model metadata not found' } },
      { type: 'item.completed', item: { type: 'agent_message', text: 'Fixed.' } },
      { type: 'turn.completed', usage: { input_tokens: 1000, cached_input_tokens: 600, output_tokens: 50 } },
    ]);
    expect(events).toEqual([
      { type: 'progress', message: 'Codex thread th-1 started' },
      { type: 'progress', message: 'Reconnecting... 1/5 (stream disconnected)' },
      { type: 'progress', message: 'running npm test' },
      { type: 'tool', name: 'shell', summary: 'npm test (exit code 1)', isError: true },
      { type: 'tool', name: 'edit', summary: 'update src/a.ts' },
      { type: 'error', message: 'Model metadata not found' },
      { type: 'text', text: 'Fixed.' },
      { type: 'usage', inputTokens: 400, cacheReadTokens: 600, outputTokens: 50 },
      // The turn's last agent message is its summary, once the turn completed.
      { type: 'summary', text: 'Fixed.' },
      { type: 'result', ok: true, sessionId: 'th-1' },
    ]);
  });

  it('passes on only the last agent message as the summary, and none for a failed turn', () => {
    const message = (text: string) => ({ type: 'item.completed', item: { type: 'agent_message', text } });
    const completed = feed(codexStreamParser(), [
      message('Looking around.'),
      message('Wrote a.txt and b.txt.'),
      { type: 'turn.completed', usage: {} },
    ]);
    expect(completed.filter((event) => event.type === 'summary')).toEqual([
      { type: 'summary', text: 'Wrote a.txt and b.txt.' },
    ]);
    const failed = feed(codexStreamParser(), [message('Trying.'), { type: 'turn.failed', error: { message: 'boom' } }]);
    expect(failed.filter((event) => event.type === 'summary')).toEqual([]);
  });

  it('lets the sandbox write the graph folder only when it lies outside the working directory', () => {
    const settings = parseCodexSettings('codex', {});
    expect(codexArgs(settings, { model: undefined, workdir: '/p/sub', workgraphDir: '/p/.workgraph' })).toContain(
      '--add-dir',
    );
    expect(codexArgs(settings, { model: undefined, workdir: '/p', workgraphDir: '/p/.workgraph' })).not.toContain(
      '--add-dir',
    );
    expect(
      codexArgs(parseCodexSettings('codex', { sandbox: 'danger-full-access' }), {
        model: undefined,
        workdir: '/p/sub',
        workgraphDir: '/p/.workgraph',
      }),
    ).not.toContain('--add-dir');
  });

  it('halts as rate-limited when a turn fails on a rate or usage limit', () => {
    const limited = feed(codexStreamParser(), [
      { type: 'turn.failed', error: { message: 'exceeded retry limit, last status: 429 Too Many Requests' } },
    ]);
    expect(limited[0]).toEqual({
      type: 'halt',
      kind: 'rate-limited',
      request: 'Codex: exceeded retry limit, last status: 429 Too Many Requests',
    });
  });

  it('halts on a declined command and on missing credentials', () => {
    const declined = feed(codexStreamParser(), [
      {
        type: 'item.completed',
        item: { type: 'command_execution', command: "/bin/bash -lc 'curl x'", exit_code: null, status: 'declined' },
      },
    ]);
    expect(declined).toContainEqual({
      type: 'halt',
      kind: 'permission-denied',
      request: 'shell (curl x): the command needed an approval outside the sandbox',
    });
    const noKey = feed(codexStreamParser(), [
      { type: 'turn.failed', error: { message: 'Missing environment variable: `LOCAL_MODEL_KEY`.' } },
    ]);
    expect(noKey[0]).toEqual({
      type: 'halt',
      kind: 'input-required',
      request: 'a login or an API key for Codex (Missing environment variable: `LOCAL_MODEL_KEY`.)',
    });
  });

  it('fails on turn.failed, and when the turn never finished', () => {
    expect(feed(codexStreamParser(), [{ type: 'turn.failed', error: { message: 'quota exceeded' } }]).at(-1)).toEqual({
      type: 'result',
      ok: false,
      reason: 'Codex turn failed: quota exceeded',
    });
    expect(feed(codexStreamParser(), [{ type: 'error', message: 'stream closed' }]).at(-1)).toEqual({
      type: 'result',
      ok: false,
      reason: 'Codex ended without finishing its turn: stream closed',
    });
    expect(unwrapShellCommand("/bin/bash -lc 'echo '\\''hi'\\'''")).toBe("echo 'hi'");
  });
});

describe('anthropic backend', () => {
  it('needs an API key, and reads its own events back', () => {
    expect(() => anthropicBackend('anthropic').launch(context({ env: { PATH: '/bin' } }))).toThrow(
      /needs ANTHROPIC_API_KEY/,
    );
    expect(() => anthropicBackend('anthropic').launch(context({ settings: { tools: ['teleport'] } }))).toThrow(
      ConfigError,
    );
    const events = feed(anthropicEventParser(), [
      { type: 'tool', name: 'bash', summary: 'ls' },
      { type: 'mystery' },
      { type: 'result', ok: true },
    ]);
    expect(events).toEqual([
      { type: 'tool', name: 'bash', summary: 'ls' },
      { type: 'progress', message: '{"type":"mystery"}' },
      { type: 'result', ok: true },
    ]);
    expect(feed(anthropicEventParser(), [])).toEqual([
      { type: 'result', ok: false, reason: 'the built-in agent ended without a result' },
    ]);
  });
});

describe('findProgram', () => {
  it('prefers the configured command, then PATH, then a binary inside an installed package', () => {
    const root = mkdtempSync(join(tmpdir(), 'wg-find-'));
    try {
      const executable = (path: string) => {
        mkdirSync(join(path, '..'), { recursive: true });
        writeFileSync(path, '#!/bin/sh\n');
        chmodSync(path, 0o755);
        return path;
      };
      const onPath = executable(join(root, 'bin', 'agent'));
      const packaged = executable(join(root, 'pkg', 'vendor', 'agent'));
      const configured = executable(join(root, 'opt', 'agent'));
      const packages = {
        packaged: [{ packageName: 'agent-pkg', relativePath: 'vendor/agent' }],
        resolvePackage: (name: string) => (name === 'agent-pkg' ? join(root, 'pkg') : undefined),
      };
      expect(findProgram('agent', { configured, pathVariable: join(root, 'bin'), ...packages })).toEqual({
        path: configured,
        source: 'config',
      });
      expect(findProgram('agent', { pathVariable: `/nonexistent:${join(root, 'bin')}`, ...packages })).toEqual({
        path: onPath,
        source: 'PATH',
      });
      expect(findProgram('agent', { pathVariable: '', ...packages })).toEqual({ path: packaged, source: 'package' });
      expect(
        findProgram('agent', { configured: join(root, 'missing'), pathVariable: join(root, 'bin'), ...packages }),
      ).toBeUndefined();
      writeFileSync(join(root, 'bin', 'plain'), 'not executable');
      expect(findProgram('plain', { pathVariable: join(root, 'bin') })).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('rate limit reset times', () => {
  it('reads retry-after seconds, else the latest anthropic-ratelimit-*-reset', async () => {
    const { rateLimitReset } = await import('../../src/agent/anthropic-main.js');
    const now = Date.parse('2026-11-30T10:00:00Z');
    expect(rateLimitReset(new Headers({ 'retry-after': '30' }), now)).toBe('2026-11-30T10:00:30.000Z');
    expect(
      rateLimitReset(
        new Headers({
          'anthropic-ratelimit-requests-reset': '2026-11-30T10:01:00Z',
          'anthropic-ratelimit-tokens-reset': '2026-11-30T10:02:00Z',
        }),
        now,
      ),
    ).toBe('2026-11-30T10:02:00.000Z');
    expect(rateLimitReset(new Headers(), now)).toBeUndefined();
  });

  it('::rate-limit takes seconds or an ISO time, and says what is wrong with anything else', async () => {
    const { parseProtocolLine } = await import('../../src/backends/command.js');
    expect(parseProtocolLine('::rate-limit 2026-12-01T00:00:00Z')).toEqual([
      {
        type: 'halt',
        kind: 'rate-limited',
        request: 'the agent reported a rate limit',
        resetAt: '2026-12-01T00:00:00.000Z',
      },
    ]);
    const [inSeconds] = parseProtocolLine('::rate-limit 90');
    expect(inSeconds).toMatchObject({ type: 'halt', kind: 'rate-limited' });
    expect(Date.parse((inSeconds as { resetAt: string }).resetAt) - Date.now()).toBeGreaterThan(80_000);
    expect(parseProtocolLine('::rate-limit soon')).toEqual([
      { type: 'error', message: '::rate-limit needs seconds or an ISO time, not: soon' },
    ]);
  });
});
