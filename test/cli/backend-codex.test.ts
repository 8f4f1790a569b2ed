/**
 * The codex backend against the real Codex CLI (the pinned npm package), its only model
 * provider being the scripted server, configured in a temporary CODEX_HOME.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  agentProject,
  announceSkip,
  codexHome,
  findCodex,
  type AgentProgram,
  type AgentProject,
  type ShownTask,
  sentFor,
  summaryBlock,
} from '../support/agents.js';
import { git, initRepo } from '../support/git.js';
import { WG_BIN } from '../support/wg.js';
import type { ModelServerScript } from '../support/model-server.js';

const codex: AgentProgram = await findCodex();
announceSkip('codex backend tests', codex);

let agent: AgentProject | undefined;
afterEach(async () => {
  await agent?.cleanup();
  agent = undefined;
});

function codexProject(script: ModelServerScript, table = '') {
  return agentProject({
    script,
    config: () =>
      `[defaults]\nbackend = "codex"\nmodel = "gpt-scripted"\nmax_retries = 0\n\n[backends.codex]\ncommand = ${JSON.stringify(codex.path)}\n${table}\n[run]\nretry_backoff = "50ms"\ngrace = "500ms"\n`,
    env: (server, home) => ({ CODEX_HOME: codexHome(home, server.url), LOCAL_MODEL_KEY: 'sk-local-not-a-real-key-42' }),
  });
}

const messages = (task: ShownTask) => task.log.map((entry) => entry.message);

describe.skipIf(codex.skipReason !== undefined)(
  `codex backend with the real ${codex.version ?? 'codex (not installed)'}`,
  () => {
    it('runs a task whose agent writes a file with its shell tool: file there, task done, tool call logged, tokens recorded', async () => {
      agent = await codexProject({
        openai: [
          { tool: 'exec_command', input: { cmd: 'echo codex-was-here > out.txt' } },
          { text: 'I wrote out.txt.' },
        ],
        usage: { input: 150, output: 25 },
      });
      await agent.project.ok(['add', 'Write out.txt', '--id', 'write']);
      await agent.project.ok(['add', 'Read it', '--id', 'read', '--blocked-by', 'write']);
      const result = await agent.project.wg(['run'], { env: agent.env });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      expect(readFileSync(join(agent.project.dir, 'out.txt'), 'utf8')).toBe('codex-was-here\n');
      const task = await agent!.project.show('write');
      expect(task.status).toBe('done');
      expect(messages(task)).toContain('tool shell: echo codex-was-here > out.txt');
      // The model's final text is the task's summary (not also logged), and the next task's prompt carries it.
      expect(task.summary).toBe('I wrote out.txt.');
      expect(messages(task).some((message) => message.includes('I wrote out.txt.'))).toBe(false);
      expect(sentFor(agent.server, 'openai', 'read')).toContain(summaryBlock('I wrote out.txt.'));
      expect((await agent!.project.show('read')).status).toBe('done');
      // One turn, two model calls: the usage of the whole turn.
      expect(task.token_usage).toMatchObject({ input_tokens: 300, output_tokens: 50 });
      const first = agent.server.scripted('openai')[0]!;
      expect(first.body.model).toBe('gpt-scripted');
      expect(first.headers.authorization).toBe('Bearer sk-local-not-a-real-key-42');
      expect(JSON.stringify(first.body.input)).toContain('Write out.txt');
    });

    it('a failed turn (turn.failed) fails the task with the reason the API gave', async () => {
      agent = await codexProject({ openai: [{ streamError: 'scripted refusal: this prompt is not allowed' }] });
      await agent.project.ok(['add', 'Doomed', '--id', 'doomed']);
      const result = await agent.project.wg(['run'], { env: agent.env });
      expect(result.exitCode).toBe(1);
      const task = await agent!.project.show('doomed');
      expect(task.status).toBe('failed');
      expect(task.failure_reason).toBe('Codex turn failed: scripted refusal: this prompt is not allowed');
    });

    it('without its provider key the attempt ends as input-required, and is not retried', async () => {
      agent = await codexProject({ openai: [{ text: 'never reached' }] });
      await agent.project.ok(['add', 'Needs key', '--id', 'needs-key', '--max-retries', '3']);
      const result = await agent.project.wg(['run'], { env: { ...agent.env, LOCAL_MODEL_KEY: undefined } });
      expect(result.exitCode).toBe(1);
      const task = await agent.project.show('needs-key');
      // Only a person can set the key: the task waits for them (`wg answer` once it is set).
      expect(task.status).toBe('waiting');
      expect(task.question?.text).toBe(
        'a login or an API key for Codex (Missing environment variable: `LOCAL_MODEL_KEY`.)',
      );
      expect(task.attempts).toBe(1);
      expect(agent.server.scripted('openai')).toEqual([]);
    });

    it('a 429 that outlasts its retries pauses the backend and the task is tried again without counting an attempt', async () => {
      // No retries of its own, so the test does not wait through codex's reconnect backoff.
      agent = await codexProject(
        { openai: [{ status: 429, message: 'scripted rate limit' }, { text: 'Done after the limit.' }] },
        'config = { "model_providers.local.request_max_retries" = 0, "model_providers.local.stream_max_retries" = 0 }\n',
      );
      const config = join(agent.project.dir, '.workgraph', 'config.toml');
      writeFileSync(config, readFileSync(config, 'utf8').replace('[run]\n', '[run]\nrate_limit_pause = "1s"\n'));
      await agent.project.ok(['add', 'Limited', '--id', 'limited', '--max-retries', '0']);
      const result = await agent.project.wg(['run'], { env: agent.env });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toMatch(/paused backend codex until \S+ \(rate limited: Codex: .*429/);
      const task = await agent.project.json<ShownTask & { attempts?: number; retry_count?: number }>([
        'show',
        'limited',
      ]);
      expect(task).toMatchObject({ status: 'done', attempts: 2 });
      expect(task.retry_count ?? 0).toBe(0);
    });

    it('a failing command is logged as a failed tool call', async () => {
      agent = await codexProject({
        openai: [{ tool: 'exec_command', input: { cmd: 'exit 3' } }, { text: 'The command failed, stopping.' }],
      });
      await agent.project.ok(['add', 'Try', '--id', 'try']);
      const result = await agent.project.wg(['run'], { env: agent.env });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      expect(messages(await agent!.project.show('try'))).toContain('tool shell: exit 3 (exit code 3) (error)');
    });

    it("a failed check's retry continues the same Codex thread (codex exec resume) in the same worktree, and lands", async () => {
      agent = await codexProject({
        openai: [
          { tool: 'exec_command', input: { cmd: 'echo 41 > answer.txt' } },
          { text: 'Wrote 41.' },
          { tool: 'exec_command', input: { cmd: 'echo 42 > answer.txt' } },
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
      const commands = [1, 2].map(
        (attempt) =>
          JSON.parse(
            readFileSync(
              join(agent!.project.dir, '.workgraph', 'runs', 'answer', String(attempt), 'command.json'),
              'utf8',
            ),
          ) as { args: string[]; cwd: string },
      );
      expect(commands[0]!.args.slice(0, 2)).toEqual(['exec', '--json']);
      expect(commands[1]!.args.slice(0, 2)).toEqual(['exec', 'resume']);
      expect(commands[1]!.args[2]).toMatch(/^[0-9a-f-]{36}$/);
      expect(commands[1]!.args).toContain('sandbox_mode="workspace-write"');
      expect(commands[1]!.cwd).toBe(commands[0]!.cwd);
      expect(messages(await agent!.project.show('answer'))).toContainEqual(
        expect.stringMatching(/^retry continues attempt 1's work in its worktree .* and its codex session$/),
      );
      // The retry's first request to the model carries the first attempt's turns.
      const requests = agent.server.scripted('openai');
      expect(requests).toHaveLength(4);
      const conversation = JSON.stringify(requests[2]!.body.input);
      expect(conversation).toContain('echo 41 > answer.txt');
      expect(conversation).toContain('Wrote 41.');
      expect(conversation).toContain('verification failed');
    });

    it('--dry-run shows the exact argv, cwd and a masked environment', async () => {
      agent = await codexProject({}, 'config = { model_reasoning_effort = "low" }\n');
      await agent.project.ok(['add', 'Plan me', '--id', 'plan-me']);
      const plan = await agent.project.json<{
        steps: Array<{ file: string; args: string[]; cwd: string; stdin?: string; env: Record<string, string> }>;
      }>(['run', '--dry-run'], { env: agent.env });
      const step = plan.steps[0]!;
      expect(step.file).toBe(codex.path);
      expect(step.args).toEqual([
        'exec',
        '--json',
        '--sandbox',
        'workspace-write',
        '--skip-git-repo-check',
        '-C',
        agent.project.dir,
        '-c',
        'allow_login_shell=false',
        '-m',
        'gpt-scripted',
        // wg mcp, by the same node and wg as the runner; its WG_* (the lease token among them) forwarded by name only.
        '-c',
        `mcp_servers.wg.command=${JSON.stringify(process.execPath)}`,
        '-c',
        `mcp_servers.wg.args=${JSON.stringify([WG_BIN, 'mcp'])}`,
        '-c',
        'mcp_servers.wg.env_vars=["WG_ACTOR","WG_ATTEMPT","WG_DIR","WG_TASK_ID","WG_TOKEN"]',
        '-c',
        'mcp_servers.wg.startup_timeout_sec=30',
        '-c',
        'mcp_servers.wg.startup_readiness="catalog"',
        '-c',
        'mcp_servers.wg.required=true',
        '-c',
        'mcp_servers.wg.default_tools_approval_mode="approve"',
        // Its commands run without its provider's key (LOCAL_MODEL_KEY, the env_key in CODEX_HOME/config.toml).
        '-c',
        'shell_environment_policy.ignore_default_excludes=true',
        '-c',
        'shell_environment_policy.exclude=["OPENAI_API_KEY","CODEX_API_KEY","LOCAL_MODEL_KEY"]',
        '-c',
        'model_reasoning_effort="low"',
        '-',
      ]);
      expect(step.cwd).toBe(agent.project.dir);
      expect(step.stdin).toBe('the prompt');
      expect(step.env.LOCAL_MODEL_KEY).toBe('***');
      expect(step.env.CODEX_HOME).toBe(join(agent.home, 'codex-home'));
      expect(agent.server.requests).toEqual([]);
    });
  },
);
