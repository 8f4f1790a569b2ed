/**
 * The anthropic backend: wg's own agent process, on the real @anthropic-ai/sdk, against
 * the scripted Messages API server.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  agentProject,
  TEST_API_KEY,
  type AgentProject,
  type ShownTask,
  sentFor,
  summaryBlock,
} from '../support/agents.js';
import { alive } from '../support/fake.js';
import { git, initRepo } from '../support/git.js';
import { burnCpu, processesOf } from '../support/fault.js';
import type { ModelServerScript } from '../support/model-server.js';
import { REPO_ROOT } from '../support/wg.js';

let agent: AgentProject | undefined;
let outside: string | undefined;
afterEach(async () => {
  await agent?.cleanup();
  agent = undefined;
  if (outside) rmSync(outside, { recursive: true, force: true });
  outside = undefined;
});

/** `endpoint`: through config (base_url) or the environment (ANTHROPIC_BASE_URL). */
function anthropicProject(
  script: ModelServerScript,
  options: { table?: string; endpoint?: 'config' | 'env'; key?: string | undefined } = {},
) {
  const endpoint = options.endpoint ?? 'config';
  return agentProject({
    script,
    config: (url) =>
      `[defaults]\nbackend = "anthropic"\nmodel = "claude-scripted-1"\nmax_retries = 0\n\n[backends.anthropic]\n${endpoint === 'config' ? `base_url = "${url}"\n` : ''}max_retries = 1\n${options.table ?? ''}\n[run]\nretry_backoff = "50ms"\ngrace = "500ms"\n`,
    env: (server) => ({
      ANTHROPIC_API_KEY: 'key' in options ? options.key : TEST_API_KEY,
      ...(endpoint === 'env' ? { ANTHROPIC_BASE_URL: server.url } : {}),
    }),
  });
}

const messages = (task: ShownTask) => task.log.map((entry) => entry.message);

/** The tool_result blocks the agent sent back in its `index`-th request. */
function toolResults(index: number): Array<{ content: string; is_error: boolean }> {
  const request = agent!.server.scripted('anthropic')[index]!;
  const last = request.body.messages.at(-1);
  return last.content.filter((block: { type: string }) => block.type === 'tool_result');
}

describe('anthropic backend (built-in agent on @anthropic-ai/sdk)', () => {
  it("a failed check's retry continues the built-in agent's conversation in the same worktree, and lands", async () => {
    agent = await anthropicProject({
      anthropic: [
        { tool: 'write_file', input: { path: 'answer.txt', content: '41\n' } },
        { text: 'Wrote 41.' },
        { tool: 'write_file', input: { path: 'answer.txt', content: '42\n' } },
        { text: 'Fixed it: 42.' },
      ],
    });
    await initRepo(agent.project.dir);
    await agent.project.ok([
      'add',
      'Answer',
      '--id',
      'answer',
      '--max-retries',
      '2',
      '--verify',
      'grep -qx 42 answer.txt',
    ]);
    const result = await agent.project.wg(['run'], { env: agent.env });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(await git(agent.project.dir, 'show', 'main:answer.txt')).toBe('42');
    const runs = join(agent.project.dir, '.workgraph', 'runs', 'answer');
    const second = JSON.parse(readFileSync(join(runs, '2', 'command.json'), 'utf8')) as { args: string[] };
    expect(second.args[second.args.indexOf('--resume-from') + 1]).toBe(join(runs, '1', 'session.json'));
    expect(messages(await agent!.project.show('answer'))).toContainEqual(
      expect.stringMatching(/^retry continues attempt 1's work in its worktree .* and its anthropic session$/),
    );
    // The retry's first request carries the first attempt's turns, then the retry's prompt.
    const requests = agent.server.scripted('anthropic');
    expect(requests).toHaveLength(4);
    const conversation = JSON.stringify(requests[2]!.body.messages);
    expect(conversation).toContain('Wrote 41.');
    expect(conversation).toContain('verification failed');
    expect(requests[2]!.body.messages[0].content).toContain('# Task `answer`');
  });

  it('runs a task whose agent writes a file: file there, task done, tool call logged, tokens recorded', async () => {
    agent = await anthropicProject({
      anthropic: [
        { tool: 'write_file', input: { path: 'notes/out.txt', content: 'hello from the built-in agent\n' } },
        { text: 'I wrote notes/out.txt.' },
      ],
      usage: { input: 90, output: 15 },
    });
    await agent.project.ok(['add', 'Write notes/out.txt', '--id', 'write']);
    await agent.project.ok(['add', 'Read it', '--id', 'read', '--blocked-by', 'write']);
    const result = await agent.project.wg(['run'], { env: agent.env });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(readFileSync(join(agent.project.dir, 'notes', 'out.txt'), 'utf8')).toBe('hello from the built-in agent\n');
    const task = await agent!.project.show('write');
    expect(task.status).toBe('done');
    expect(messages(task)).toContain('tool write_file: notes/out.txt');
    // The model's final text is the task's summary (not also logged), and the next task's prompt carries it.
    expect(task.summary).toBe('I wrote notes/out.txt.');
    expect(messages(task).some((message) => message.includes('I wrote notes/out.txt.'))).toBe(false);
    expect(sentFor(agent.server, 'anthropic', 'read')).toContain(summaryBlock('I wrote notes/out.txt.'));
    expect((await agent!.project.show('read')).status).toBe('done');
    expect(task.token_usage).toMatchObject({ input_tokens: 180, output_tokens: 30 });
    // The SDK's auth form, the prompt, every default tool, and the tool result sent back.
    const [first, second] = agent.server.scripted('anthropic');
    expect(first!.headers.authorization).toBe(`Bearer ${TEST_API_KEY}`);
    expect(first!.body.stream).toBe(true);
    expect(first!.body.model).toBe('claude-scripted-1');
    expect(JSON.stringify(first!.body.messages[0])).toContain('Write notes/out.txt');
    expect(first!.body.tools.map((tool: { name: string }) => tool.name)).toEqual([
      'read_file',
      'write_file',
      'edit_file',
      'list_files',
      'search_files',
      'bash',
      // wg's own protocol tools, offered with wg init's settings ([run] mcp).
      ...['log', 'progress', 'artifact', 'ask', 'fail', 'show', 'context'].map((name) => `wg_${name}`),
    ]);
    expect(second!.body.messages.at(-1).content[0]).toMatchObject({ type: 'tool_result', is_error: false });
  });

  it('runs bash in the working directory (endpoint from ANTHROPIC_BASE_URL), offering only the tools the task allows', async () => {
    agent = await anthropicProject(
      { anthropic: [{ tool: 'bash', input: { command: 'pwd > where.txt && echo made it' } }, { text: 'Done.' }] },
      { endpoint: 'env' },
    );
    await agent.project.ok(['add', 'Shell work', '--id', 'shell-work', '--tool', 'Bash,Read']);
    const result = await agent.project.wg(['run'], { env: agent.env });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(readFileSync(join(agent.project.dir, 'where.txt'), 'utf8').trim()).toBe(agent.project.dir);
    expect(agent.server.scripted('anthropic')[0]!.body.tools.map((tool: { name: string }) => tool.name)).toEqual([
      'read_file',
      'bash',
      // wg's own protocol tools, offered with wg init's settings ([run] mcp).
      ...['log', 'progress', 'artifact', 'ask', 'fail', 'show', 'context'].map((name) => `wg_${name}`),
    ]);
    expect(toolResults(1)[0]!.content).toBe('exit code 0\nmade it');
  });

  it('a timed-out agent takes its bash command with it, and what that moved to a session of its own, on a busy machine', async () => {
    // The tool's bash runs in a session of its own, which the runner's signal to the agent's group misses; its
    // grandchild moves to yet another session and ignores SIGTERM too, and the cores are kept busy meanwhile.
    const grandchild = `setsid bash -c 'trap "" TERM; echo $$ > grand.pid; while :; do sleep 0.2; done' >/dev/null 2>&1 &`;
    const command = `trap "" TERM; echo $$ > tool.pid; ${grandchild} while [ ! -s grand.pid ]; do sleep 0.05; done; while :; do sleep 0.2; done`;
    agent = await anthropicProject({ anthropic: [{ tool: 'bash', input: { command } }, { text: 'Never reached.' }] });
    await agent.project.ok(['add', 'Hang in bash', '--id', 'hang', '--timeout', '3s']);
    const burner = burnCpu();
    try {
      const result = await agent.project.wg(['run'], { env: agent.env });
      expect(result.exitCode).toBe(1);
    } finally {
      burner.stop();
    }
    expect(await agent!.project.show('hang')).toMatchObject({ status: 'failed', failure_reason: 'timed out after 3s' });
    const pids = ['tool.pid', 'grand.pid'].map((file) => Number(readFileSync(join(agent!.project.dir, file), 'utf8')));
    expect(pids.every((pid) => pid > 0)).toBe(true);
    expect(pids.filter(alive)).toEqual([]);
    expect(processesOf(join(agent.project.dir, '.workgraph'))).toEqual([]);
  });

  it('refuses paths that leave the working directory, and the model sees why', async () => {
    outside = mkdtempSync(join(tmpdir(), 'wg-outside-'));
    writeFileSync(join(outside, 'secret.txt'), 'SECRET-OUTSIDE');
    agent = await anthropicProject({
      anthropic: [
        { tool: 'write_file', input: { path: '../x', content: 'escaped' } },
        { tool: 'read_file', input: { path: '/etc/passwd' } },
        { tool: 'read_file', input: { path: 'link/secret.txt' } },
        { tool: 'write_file', input: { path: 'link/planted.txt', content: 'escaped' } },
        { text: 'Every path outside was refused.' },
      ],
    });
    // The agent works in sub/, so ../x would land in the project folder, outside its working directory.
    mkdirSync(join(agent.project.dir, 'sub'));
    symlinkSync(outside, join(agent.project.dir, 'sub', 'link'));
    await agent.project.ok(['add', 'Escape', '--id', 'escape', '--working-dir', 'sub']);
    const result = await agent.project.wg(['run'], { env: agent.env });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const refusals = [1, 2, 3, 4].map((index) => toolResults(index)[0]!);
    expect(refusals.every((refusal) => refusal.is_error)).toBe(true);
    expect(refusals[0]!.content).toMatch(/\.\.\/x is outside the working directory: paths may not climb out of it/);
    expect(refusals[1]!.content).toMatch(
      /\/etc\/passwd is outside the working directory: absolute paths must lie inside it/,
    );
    expect(refusals[2]!.content).toMatch(
      /link\/secret\.txt leads outside the working directory through a symbolic link/,
    );
    expect(refusals[3]!.content).toMatch(
      /link\/planted\.txt leads outside the working directory through a symbolic link/,
    );
    expect(JSON.stringify(agent.server.requests.map((request) => request.body))).not.toContain('SECRET-OUTSIDE');
    expect(JSON.stringify(agent.server.requests.map((request) => request.body))).not.toContain('root:x:0');
    expect(existsSync(join(agent.project.dir, 'x'))).toBe(false);
    expect(existsSync(join(outside, 'planted.txt'))).toBe(false);
    expect(
      messages(await agent!.project.show('escape')).filter((message) => message.startsWith('error: ')),
    ).toHaveLength(4);
  });

  it('a rejected API key ends the attempt as input-required: the task waits for a person, naming the authentication error', async () => {
    agent = await anthropicProject({ anthropic: [{ status: 401, message: 'invalid x-api-key' }] });
    await agent.project.ok(['add', 'Doomed', '--id', 'doomed']);
    const result = await agent.project.wg(['run'], { env: agent.env });
    expect(result.exitCode).toBe(1);
    const task = await agent!.project.show('doomed');
    expect(task.status).toBe('waiting');
    expect(task.question?.text).toBe(
      'a valid API key (the Anthropic API rejected the API key (HTTP 401: invalid x-api-key); check ANTHROPIC_API_KEY)',
    );
    expect(task.retry_count ?? 0).toBe(0);
    expect(agent.server.scripted('anthropic')).toHaveLength(1);
  });

  it("a 429 that outlasts the SDK's retries pauses the backend until retry-after, and the task is tried again without counting an attempt", async () => {
    const limit = { status: 429, message: 'scripted rate limit', headers: { 'retry-after': '1' } };
    // The SDK's one retry (max_retries = 1 here) meets the limit again; then the backend pauses.
    agent = await anthropicProject({ anthropic: [limit, limit, { text: 'Done after the limit.' }] });
    await agent.project.ok(['add', 'Limited', '--id', 'limited', '--max-retries', '0']);
    const result = await agent.project.wg(['run'], { env: agent.env });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /paused backend anthropic until \S+ \(rate limited until \S+: the Anthropic API failed with HTTP 429/,
    );
    const task = await agent.project.show('limited');
    expect(task).toMatchObject({ status: 'done', attempts: 2 });
    expect(task.retry_count ?? 0).toBe(0);
    expect(agent.server.scripted('anthropic')).toHaveLength(3);
  });

  it('retries HTTP 500 as the SDK does, then fails the task naming the status', async () => {
    agent = await anthropicProject({
      anthropic: [
        { status: 500, message: 'scripted outage' },
        { status: 500, message: 'scripted outage' },
      ],
    });
    await agent.project.ok(['add', 'Doomed', '--id', 'doomed']);
    const result = await agent.project.wg(['run'], { env: agent.env });
    expect(result.exitCode).toBe(1);
    expect((await agent!.project.show('doomed')).failure_reason).toBe(
      'the Anthropic API failed with HTTP 500 after 1 retries: scripted outage',
    );
    expect(agent.server.scripted('anthropic')).toHaveLength(2);
  });

  it('a 500 followed by success is retried and the task is done', async () => {
    agent = await anthropicProject({ anthropic: [{ status: 500 }, { text: 'Recovered.' }] });
    await agent.project.ok(['add', 'Flaky API', '--id', 'flaky']);
    const result = await agent.project.wg(['run'], { env: agent.env });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect((await agent!.project.show('flaky')).status).toBe('done');
  });

  it('stops at the turn limit with a reason saying so', async () => {
    agent = await anthropicProject(
      {
        anthropic: [
          { tool: 'list_files', input: {} },
          { tool: 'list_files', input: {} },
          { tool: 'list_files', input: {} },
        ],
      },
      { table: 'max_turns = 2\n' },
    );
    await agent.project.ok(['add', 'Loop', '--id', 'loop']);
    const result = await agent.project.wg(['run'], { env: agent.env });
    expect(result.exitCode).toBe(1);
    expect((await agent!.project.show('loop')).failure_reason).toBe(
      'the built-in agent stopped at its turn limit (2 turns)',
    );
  });

  it('without ANTHROPIC_API_KEY wg run refuses before claiming anything, with the fix', async () => {
    agent = await anthropicProject({}, { key: undefined });
    await agent.project.ok(['add', 'No key', '--id', 'no-key']);
    const result = await agent.project.wg(['run'], { env: agent.env });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      /^error: wg run cannot launch task no-key: backend anthropic: the anthropic backend needs ANTHROPIC_API_KEY in the environment; nothing was started\nhint: export ANTHROPIC_API_KEY=/,
    );
    expect((await agent!.project.show('no-key')).status).toBe('open');
    expect(agent.server.requests).toEqual([]);
  });

  it('--dry-run shows the exact argv, cwd and a masked environment', async () => {
    agent = await anthropicProject({}, { table: 'token_budget = 50000\nbash_timeout = "30s"\n' });
    await agent.project.ok(['add', 'Plan me', '--id', 'plan-me', '--tool', 'Read,Grep']);
    const plan = await agent.project.json<{
      steps: Array<{ file: string; args: string[]; cwd: string; stdin?: string; env: Record<string, string> }>;
    }>(['run', '--dry-run'], { env: agent.env });
    const step = plan.steps[0]!;
    expect(step.file).toBe(process.execPath);
    expect(step.args).toEqual([
      join(REPO_ROOT, 'bin', 'wg.js'),
      'agent-anthropic',
      '--prompt-file',
      join(agent.project.dir, '.workgraph', 'runs', 'plan-me', '1', 'prompt.md'),
      '--workdir',
      agent.project.dir,
      '--model',
      'claude-scripted-1',
      '--tools=read_file,search_files',
      '--wg-tools',
      '--max-turns',
      '100',
      '--max-tokens',
      '8192',
      '--bash-timeout',
      '30s',
      '--max-retries',
      '1',
      '--token-budget',
      '50000',
      '--base-url',
      agent.server.url,
      '--session-file',
      join(agent.project.dir, '.workgraph', 'runs', 'plan-me', '1', 'session.json'),
    ]);
    expect(step.cwd).toBe(agent.project.dir);
    expect(step.stdin).toBeUndefined();
    expect(step.env.ANTHROPIC_API_KEY).toBe('***');
    expect(agent.server.requests).toEqual([]);
  });
});
