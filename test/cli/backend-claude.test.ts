/**
 * The claude backend against the real Claude Code CLI (the pinned npm package), pointed at
 * the scripted model server with ANTHROPIC_BASE_URL.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  agentProject,
  announceSkip,
  findClaude,
  TEST_API_KEY,
  type AgentProgram,
  type AgentProject,
  type ShownTask,
  sentFor,
  summaryBlock,
} from '../support/agents.js';
import { startModelServer, type ModelServerScript } from '../support/model-server.js';
import { WG_BIN } from '../support/wg.js';

const claude: AgentProgram = await findClaude();
announceSkip('claude backend tests', claude);

let agent: AgentProject | undefined;
afterEach(async () => {
  await agent?.cleanup();
  agent = undefined;
});

function claudeProject(script: ModelServerScript, table = '', extraEnv: Record<string, string> = {}) {
  return agentProject({
    script,
    config: () =>
      `[defaults]\nbackend = "claude"\nmodel = "claude-scripted-1"\nmax_retries = 0\n\n[backends.claude]\ncommand = ${JSON.stringify(claude.path)}\nmax_turns = 8\n${table}\n[run]\nretry_backoff = "50ms"\ngrace = "500ms"\n`,
    env: (server) => ({
      ANTHROPIC_BASE_URL: server.url,
      ANTHROPIC_API_KEY: TEST_API_KEY,
      CLAUDE_CODE_MAX_RETRIES: '0',
      ...extraEnv,
    }),
  });
}

const messages = (task: ShownTask) => task.log.map((entry) => entry.message);
const commandOf = (id: string, attempt: number) =>
  JSON.parse(
    readFileSync(join(agent!.project.dir, '.workgraph', 'runs', id, String(attempt), 'command.json'), 'utf8'),
  ) as { args: string[] };

describe.skipIf(claude.skipReason !== undefined)(
  `claude backend with the real Claude Code ${claude.version ?? '(not installed)'}`,
  () => {
    beforeAll(() => {
      expect(claude.path).toBeDefined();
    });

    it('runs a task whose agent writes a file with Bash: file there, task done, tool call logged, tokens and cost recorded', async () => {
      agent = await claudeProject({
        anthropic: [
          { tool: 'Bash', input: { command: 'echo hello-from-claude > out.txt', description: 'write the file' } },
          { text: 'I wrote out.txt.' },
        ],
        usage: { input: 120, output: 30 },
      });
      await agent.project.ok(['add', 'Write out.txt', '--id', 'write', '--tool', 'Bash']);
      await agent.project.ok(['add', 'Read it', '--id', 'read', '--blocked-by', 'write']);
      const result = await agent.project.wg(['run'], { env: agent.env });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      expect(readFileSync(join(agent.project.dir, 'out.txt'), 'utf8')).toBe('hello-from-claude\n');
      const task = await agent!.project.show('write');
      expect(task.status).toBe('done');
      expect(messages(task)).toContain('tool Bash: echo hello-from-claude > out.txt');
      // The model's final text is the task's summary (not also logged), and the next task's prompt carries it.
      expect(task.summary).toBe('I wrote out.txt.');
      expect(messages(task).some((message) => message.includes('I wrote out.txt.'))).toBe(false);
      expect(sentFor(agent.server, 'anthropic', 'read')).toContain(summaryBlock('I wrote out.txt.'));
      expect((await agent!.project.show('read')).status).toBe('done');
      expect(task.token_usage).toMatchObject({ input_tokens: 240, output_tokens: 60 });
      expect(task.token_usage!.cost_usd).toBeGreaterThan(0);
      // The prompt went on stdin and reached the model; the model named in config was used.
      const first = agent.server.scripted('anthropic')[0]!;
      expect(first.body.model).toBe('claude-scripted-1');
      expect(JSON.stringify(first.body.messages)).toContain('Write out.txt');
    });

    it('an HTTP 500 from the model API fails the task with a reason naming it', async () => {
      agent = await claudeProject({ anthropic: [{ status: 500, message: 'scripted outage' }] });
      await agent.project.ok(['add', 'Doomed', '--id', 'doomed']);
      const result = await agent.project.wg(['run'], { env: agent.env });
      expect(result.exitCode).toBe(1);
      const task = await agent!.project.show('doomed');
      expect(task.status).toBe('failed');
      expect(task.failure_reason).toMatch(/Claude Code failed on a model API error \(HTTP 500\).*scripted outage/);
    });

    it('a tool call refused by its permissions ends the attempt at once as permission-denied, naming the call', async () => {
      agent = await claudeProject({
        anthropic: [
          { tool: 'Bash', input: { command: "node -e \"require('fs').writeFileSync('sneaky.txt', 'x')\"" } },
          // Were the agent left running, its next step would write this file (Write is allowed) after a slow reply.
          { tool: 'Write', input: { file_path: 'after-denial.txt', content: 'still going' }, delayMs: 4000 },
          { text: 'I could not run it.' },
        ],
      });
      // The task allows reading only: Bash is not among its tools.
      await agent.project.ok(['add', 'Read only', '--id', 'read-only', '--tool', 'Read']);
      const result = await agent.project.wg(['run'], { env: agent.env });
      expect(result.exitCode).toBe(1);
      expect(result.stdout).toMatch(/permission-denied read-only: permission denied: Bash \(node -e/);
      const task = await agent!.project.show('read-only');
      expect(task.status).toBe('failed');
      expect(task.failure_reason).toMatch(/^permission denied: Bash \(node -e .*\): This command requires approval/);
      expect(existsSync(join(agent.project.dir, 'sneaky.txt'))).toBe(false);
      expect(existsSync(join(agent.project.dir, 'after-denial.txt'))).toBe(false);
    });

    it('`wg answer --allow` grants a refused call: the task reopens, uncounted, and the next attempt runs the call', async () => {
      const write = { command: "node -e \"require('fs').writeFileSync('granted.txt', 'yes')\"" };
      agent = await claudeProject({
        anthropic: [
          { tool: 'Bash', input: write },
          { text: 'I could not run it.', delayMs: 4000 },
        ],
      });
      await agent.project.ok(['add', 'Write with node', '--id', 'node-write', '--tool', 'Read', '--max-retries', '0']);
      const refused = await agent.project.wg(['run'], { env: agent.env });
      expect(refused.exitCode).toBe(1);
      const failed = await agent.project.show('node-write');
      expect(failed.status).toBe('failed');
      expect(failed.question).toMatchObject({ kind: 'refusal', rule: 'Bash(node -e:*)', attempt: 1 });

      await agent.project.ok(['answer', 'node-write', 'Yes, you may run node -e.', '--allow', 'Bash(node -e:*)']);
      const reopened = await agent.project.show('node-write');
      expect(reopened.status).toBe('open');
      expect(reopened.tools).toEqual(['Read', 'Bash(node -e:*)']);
      // The refusal is not held against the task: max_retries 0 and it runs again.
      expect(reopened.retry_count ?? 0).toBe(0);

      const second = await startModelServer({ anthropic: [{ tool: 'Bash', input: write }, { text: 'Wrote it.' }] });
      try {
        const granted = await agent.project.wg(['run'], { env: { ...agent.env, ANTHROPIC_BASE_URL: second.url } });
        expect(granted.exitCode, granted.stdout + granted.stderr).toBe(0);
        expect(readFileSync(join(agent.project.dir, 'granted.txt'), 'utf8')).toBe('yes');
        const prompt = JSON.stringify(second.scripted('anthropic')[0]!.body);
        expect(prompt).toContain('A call of yours was refused in attempt 1:');
        expect(prompt).toContain('Yes, you may run node -e.');
      } finally {
        await second.close();
      }
      expect((await agent.project.show('node-write')).status).toBe('done');
    });

    it('without credentials the attempt ends as input-required and is not retried', async () => {
      agent = await claudeProject({ anthropic: [{ text: 'never reached' }] }, '', { ANTHROPIC_API_KEY: '' });
      await agent.project.ok(['add', 'Needs login', '--id', 'needs-login', '--max-retries', '3']);
      const result = await agent.project.wg(['run'], { env: { ...agent.env, ANTHROPIC_API_KEY: undefined } });
      expect(result.exitCode).toBe(1);
      const task = await agent.project.show('needs-login');
      // Only a person can log in: the task waits for them (`wg answer` once they did).
      expect(task.status).toBe('waiting');
      expect(task.question?.text).toBe('a login or an API key for Claude Code (Not logged in · Please run /login)');
      expect(task.attempts).toBe(1);
      expect(agent.server.scripted('anthropic')).toEqual([]);
    });

    it('its own AskUserQuestion tool ends the attempt at once as a question for a person, with its text and options', async () => {
      agent = await claudeProject({
        anthropic: [
          {
            tool: 'AskUserQuestion',
            input: {
              questions: [
                {
                  question: 'Which database should I use?',
                  header: 'Database',
                  multiSelect: false,
                  options: [
                    { label: 'PostgreSQL', description: 'the server' },
                    { label: 'SQLite', description: 'a file' },
                  ],
                },
              ],
            },
          },
          // Were the agent left running, it would go on to write this file.
          { tool: 'Write', input: { file_path: 'guessed.txt', content: 'guessed' }, delayMs: 4000 },
          { text: 'I guessed.' },
        ],
      });
      await agent.project.ok(['add', 'Pick a database', '--id', 'pick-db', '--max-retries', '0']);
      const result = await agent.project.wg(['run'], { env: agent.env });
      expect(result.exitCode).toBe(1);
      const task = await agent.project.show('pick-db');
      expect(task.status).toBe('waiting');
      expect(task.question).toMatchObject({
        kind: 'question',
        text: 'Which database should I use? (PostgreSQL / SQLite)',
        attempt: 1,
      });
      expect(task.retry_count ?? 0).toBe(0);
      expect(existsSync(join(agent.project.dir, 'guessed.txt'))).toBe(false);
    });

    it("the task's cost cap becomes Claude Code's own --max-budget-usd, and reaching it ends the attempt as budget-exhausted", async () => {
      agent = await claudeProject({
        anthropic: [
          { tool: 'Bash', input: { command: 'wg log capped "first step"' } },
          { tool: 'Bash', input: { command: 'wg log capped "second step"' } },
          { text: 'Done.' },
        ],
        usage: { input: 200_000, output: 50_000 },
      });
      await agent.project.ok(['add', 'Capped', '--id', 'capped', '--max-cost', '0.01', '--max-retries', '3']);
      const result = await agent.project.wg(['run'], { env: agent.env });
      expect(result.exitCode).toBe(1);
      expect(commandOf('capped', 1).args.join(' ')).toContain('--max-budget-usd 0.01');
      const task = await agent.project.show('capped');
      expect(task.status).toBe('failed');
      expect(task.failure_reason).toMatch(/^budget exhausted: the task has spent \$\d+\.\d\d of its \$0\.01 cap$/);
      expect(task.attempts).toBe(1);
      expect(task.token_usage!.cost_usd).toBeGreaterThan(0.01);
    });

    it('a 429 pauses the backend (for rate_limit_pause, as Claude Code names no reset) and the task is tried again without counting an attempt', async () => {
      agent = await claudeProject({
        anthropic: [{ status: 429, message: 'scripted rate limit' }, { text: 'Done after the limit.' }],
      });
      const config = join(agent.project.dir, '.workgraph', 'config.toml');
      writeFileSync(config, readFileSync(config, 'utf8').replace('[run]\n', '[run]\nrate_limit_pause = "1s"\n'));
      await agent.project.ok(['add', 'Limited', '--id', 'limited', '--max-retries', '0']);
      const result = await agent.project.wg(['run'], { env: agent.env });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toMatch(/paused backend claude until \S+ \(rate limited: the model API answered HTTP 429/);
      const task = await agent.project.json<ShownTask & { attempts?: number; retry_count?: number }>([
        'show',
        'limited',
      ]);
      expect(task).toMatchObject({ status: 'done', attempts: 2 });
      expect(task.retry_count ?? 0).toBe(0);
    });

    it("resumes the previous step's session along a trajectory", async () => {
      agent = await claudeProject(
        {
          anthropic: [
            { tool: 'Bash', input: { command: 'echo step-one > one.txt' } },
            { text: 'Step one done.' },
            { tool: 'Bash', input: { command: 'echo step-two > two.txt' } },
            { text: 'Step two done.' },
          ],
        },
        'resume = true\nallowed_tools = ["Bash"]\n',
      );
      await agent.project.ok(['add', 'Step one', '--id', 'one', '--deliverable', 'one.txt']);
      await agent.project.ok(['add', 'Step two', '--id', 'two', '--blocked-by', 'one', '--input', 'one.txt']);
      const result = await agent.project.wg(['run', 'one', '--trajectory', '--max-steps', '2'], { env: agent.env });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      expect((await agent!.project.show('two')).status).toBe('done');
      const [first, second] = ['one', 'two'].map((id) => commandOf(id, 1));
      expect(first!.args).not.toContain('--resume');
      expect(second!.args).toContain('--resume');
      // The second step's first request carries the first step's conversation.
      const requests = agent.server.scripted('anthropic');
      expect(requests).toHaveLength(4);
      expect(JSON.stringify(requests[2]!.body.messages)).toContain('Step one done.');
    });

    it('a step in another folder than the session it would resume starts a fresh session at once, and says why', async () => {
      agent = await claudeProject({
        anthropic: [
          { tool: 'Write', input: { file_path: 'one.txt', content: 'one' } },
          { text: 'Step one done.' },
          { text: 'Fresh start worked.' },
        ],
      });
      mkdirSync(join(agent.project.dir, 'elsewhere'));
      await agent.project.ok(['add', 'Step one', '--id', 'one', '--deliverable', 'one.txt']);
      // Claude Code keeps sessions per folder: the step in another folder cannot resume step one's session.
      await agent.project.ok([
        'add',
        'Step two',
        '--id',
        'two',
        '--blocked-by',
        'one',
        '--input',
        'one.txt',
        '--working-dir',
        'elsewhere',
        '--max-retries',
        '2',
      ]);
      const result = await agent.project.wg(['run', 'one', '--trajectory', '--max-steps', '2'], { env: agent.env });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      const task = await agent!.project.show('two');
      expect(task.status).toBe('done');
      expect(task.attempts).toBe(1);
      expect(messages(task).join('\n')).toMatch(
        /starts a fresh claude session: its working directory .*elsewhere is not the previous step's/,
      );
      expect(commandOf('two', 1).args).not.toContain('--resume');
    });

    it('--dry-run shows the exact argv, cwd and a masked environment without CLAUDECODE', async () => {
      agent = await claudeProject({}, 'max_budget_usd = 1.5\n', { CLAUDECODE: '1' });
      await agent.project.ok(['add', 'Plan me', '--id', 'plan-me', '--tool', 'Read,Edit']);
      const plan = await agent.project.json<{
        steps: Array<{
          file: string;
          args: string[];
          cwd: string;
          stdin?: string;
          env: Record<string, string>;
          permissions: string[];
        }>;
      }>(['run', '--dry-run'], { env: { ...agent.env, CLAUDECODE: '1' } });
      const step = plan.steps[0]!;
      expect(step.file).toBe(claude.path);
      expect(step.args).toEqual([
        '-p',
        '--verbose',
        '--output-format',
        'stream-json',
        '--permission-mode',
        'acceptEdits',
        '--model',
        'claude-scripted-1',
        '--mcp-config',
        expect.any(String),
        '--allowedTools',
        'mcp__wg__log',
        'mcp__wg__progress',
        'mcp__wg__artifact',
        'mcp__wg__ask',
        'mcp__wg__fail',
        'mcp__wg__show',
        'mcp__wg__context',
        'Bash(wg log:*)',
        'Bash(wg progress:*)',
        'Bash(wg artifact:*)',
        'Bash(wg ask:*)',
        'Bash(wg fail:*)',
        'Bash(wg show:*)',
        'Bash(wg context:*)',
        'Read',
        'Edit',
        '--disallowedTools',
        'Task',
        'Agent',
        'EnterWorktree',
        'ExitWorktree',
        'Workflow',
        'SendMessage',
        '--max-turns',
        '8',
        '--max-budget-usd',
        '1.5',
      ]);
      // wg mcp, started by the same node and wg as the runner: no wg on PATH needed, and no token on the command line.
      const mcpConfig = JSON.parse(step.args[step.args.indexOf('--mcp-config') + 1]!);
      expect(mcpConfig).toEqual({
        mcpServers: { wg: { type: 'stdio', command: expect.any(String), args: [WG_BIN, 'mcp'], alwaysLoad: true } },
      });
      expect(mcpConfig.mcpServers.wg.command).toMatch(/node$/);
      expect(step.cwd).toBe(agent.project.dir);
      expect(step.stdin).toBe('the prompt');
      expect(step.permissions).toContain('use Read, Edit');
      const text = await agent.project.ok(['run', '--dry-run'], { env: agent.env });
      expect(text).toMatch(
        /^may: +read files, and create and edit files in the working directory.*\n +use wg's tools: `mcp__wg__log`.*\n +run `wg log`/m,
      );
      expect(text).toContain('What you may do without asking:');
      expect(step.env.ANTHROPIC_API_KEY).toBe('***');
      expect(step.env.WG_TOKEN).toBe('***');
      expect(step.env).not.toHaveProperty('CLAUDECODE');
      expect(agent.server.requests).toEqual([]);
    });
  },
);
