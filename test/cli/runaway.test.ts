/** Runaway agents stop: one repeating a tool call ends `looping` at once; its retry is told which call it was. */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { findClaude, OFFLINE_ENV, TEST_API_KEY } from '../support/agents.js';
import { FAKE_AGENT, script } from '../support/fake.js';
import { startModelServer, type ModelServerScript } from '../support/model-server.js';
import { createDatabase } from '../support/postgres.js';
import { runWg, tempProject, type Project } from '../support/wg.js';

/** The settings `wg init` wrote, plus a command backend running the fake agent. */
async function initProject(): Promise<Project> {
  const project = await tempProject();
  appendFileSync(
    join(project.dir, '.workgraph', 'config.toml'),
    `\n[backends.fake]\ntype = "command"\nargv = ["node", ${JSON.stringify(FAKE_AGENT)}, "{prompt_file}"]\n`,
  );
  return project;
}

const promptOf = (project: Project, id: string, attempt: number) =>
  readFileSync(join(project.dir, '.workgraph', 'runs', id, String(attempt), 'prompt.md'), 'utf8');

describe('a looping agent', () => {
  it('is stopped right after the fifth same call, not at its timeout, and its retry is told the call', async () => {
    const project = await initProject();
    const repeat = { print: '::tool bash cat README.md' };
    await project.ok([
      'add',
      'Circle',
      '--id',
      'circle',
      '--backend',
      'fake',
      '--timeout',
      '10m',
      '--max-retries',
      '2',
      '--prompt',
      script([
        { print: '::tool bash ls' },
        ...Array.from({ length: 5 }, () => repeat),
        // The agent would think for 10 minutes, then call on: the runner stops it on the fifth repeat.
        { sleep: 600_000 },
        { print: '::tool bash echo sixth' },
      ]),
    ]);
    const started = Date.now();
    const result = await project.wg(['run', '--grace', '1s', '--retry-backoff', '10ms']);
    // Far below the 10-minute timeout (and the agent's own 10-minute sleep).
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(result.exitCode).toBe(1);
    const task = await project.show('circle');
    expect(task.status).toBe('failed');
    expect(task.failure_reason).toContain(
      'looping: the agent made the same call 5 times in a row and was stopped: bash cat README.md',
    );
    const logged = task.log.map((entry) => entry.message).join('\n');
    expect(logged).toContain('stopping the agent: looping');
    expect(logged).not.toContain('echo sixth');
    // Retried (a loop is worth another try), and the retry's prompt names the call.
    expect(promptOf(project, 'circle', 2)).toContain(
      'the same call 5 times in a row and was stopped: bash cat README.md',
    );
  }, 90_000);

  it('`loop_limit = 0` lets an agent repeat itself', async () => {
    const project = await initProject();
    await project.ok([
      'add',
      'Repeat',
      '--id',
      'repeat',
      '--backend',
      'fake',
      '--prompt',
      script(Array.from({ length: 8 }, () => ({ print: '::tool bash ls' }))),
    ]);
    const result = await project.wg(['run', '--loop-limit', '0']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect((await project.show('repeat')).status).toBe('done');
  }, 60_000);
});

/** The settings `wg init` wrote, the built-in agent pointed at a scripted model on 127.0.0.1. */
async function builtInAgent(model: ModelServerScript) {
  const server = await startModelServer(model);
  onTestFinished(() => server.close());
  const project = await tempProject();
  appendFileSync(
    join(project.dir, '.workgraph', 'config.toml'),
    `\n[backends.anthropic]\nbase_url = "${server.url}"\nmax_retries = 0\n`,
  );
  const env = { ...OFFLINE_ENV, ANTHROPIC_API_KEY: TEST_API_KEY };
  return { project, server, env };
}

describe('max_turns', () => {
  it("reaches Claude Code's argv: [defaults] max_turns from the settings wg init writes, a task's own over it", async () => {
    const claude = await findClaude();
    if (!claude.path) throw new Error(claude.skipReason);
    const project = await tempProject();
    appendFileSync(
      join(project.dir, '.workgraph', 'config.toml'),
      `\n[backends.claude]\ncommand = ${JSON.stringify(claude.path)}\n`,
    );
    await project.ok(['add', 'Default turns', '--id', 'default-turns']);
    await project.ok(['add', 'Own turns', '--id', 'own-turns', '--max-turns', '7']);
    const plan = await project.json<{ steps: Array<{ task: string; args: string[] }> }>(
      ['run', '--dry-run', '--backend', 'claude'],
      { env: { ...OFFLINE_ENV, ANTHROPIC_API_KEY: TEST_API_KEY } },
    );
    const turnsOf = (id: string) => {
      const args = plan.steps.find((step) => step.task === id)!.args;
      return args[args.indexOf('--max-turns') + 1];
    };
    expect(turnsOf('default-turns')).toBe('100');
    expect(turnsOf('own-turns')).toBe('7');
  });

  it("stops the built-in agent at a task's max_turns", async () => {
    const listing = { tool: 'list_files', input: {} };
    const { project, server, env } = await builtInAgent({ anthropic: [listing, listing, listing, listing] });
    await project.ok([
      'add',
      'Wander',
      '--id',
      'wander',
      '--backend',
      'anthropic',
      '--max-turns',
      '2',
      '--max-retries',
      '0',
    ]);
    const result = await project.wg(['run'], { env });
    expect(result.exitCode).toBe(1);
    expect((await project.show('wander')).failure_reason).toBe(
      'the built-in agent stopped at its turn limit (2 turns)',
    );
    expect(server.requests).toHaveLength(2);
  });
});

describe('scoped tools on the built-in agent', () => {
  it('`Bash(npm test)` refuses `npm install` as permission-denied, naming the call', async () => {
    const { project, env } = await builtInAgent({
      anthropic: [{ tool: 'bash', input: { command: 'npm install' } }, { text: 'Done.' }],
    });
    await project.ok(['add', 'Test only', '--id', 'test-only', '--backend', 'anthropic', '--tool', 'Bash(npm test)']);
    const result = await project.wg(['run'], { env });
    expect(result.exitCode).toBe(1);
    const task = await project.show('test-only');
    expect(task.status).toBe('failed');
    expect(task.failure_reason).toMatch(/^permission denied: bash \(npm install\)/);
  });
});

describe('a budget per day', () => {
  it('spent by one run, stops the next from starting work; reaching budget_warn is said in the task log', async () => {
    const project = await initProject();
    const path = join(project.dir, '.workgraph', 'config.toml');
    const config = readFileSync(path, 'utf8');
    expect(config).toMatch(/^\[run\]$/m);
    writeFileSync(path, config.replace(/^\[run\]$/m, '[run]\nbudget_usd_per_day = 1'));
    const spend = (usd: number) => script([{ print: `::usage {"cost_usd": ${usd}}` }]);
    await project.ok(['add', 'First', '--id', 'first', '--backend', 'fake', '--cost', '0.5', '--prompt', spend(1.2)]);
    await project.ok(['add', 'Second', '--id', 'second', '--backend', 'fake', '--cost', '0.5', '--prompt', spend(0.1)]);

    const first = await project.wg(['run', '--parallel', '1', '--order', 'listed']);
    expect(first.exitCode).toBe(1);
    expect((await project.show('first')).status).toBe('done');
    expect((await project.show('second')).status).toBe('open');
    const logged = (await project.show('first')).log.map((entry) => entry.message);
    expect(logged).toContain("budget: $1.20 spent of the day's budget of $1.00 (120%, warning at 80%)");
    expect(first.stdout).toContain("budget: $1.20 spent of the day's budget of $1.00");

    // A new run, with the same settings: the store says the day's money is gone.
    const next = await project.wg(['run']);
    expect(next.exitCode).toBe(1);
    expect(next.stderr).toMatch(
      /^error: the day budget is spent: \$1\.20 of \$1\.00 in the last 24 hours \(\[run\] budget_usd_per_day\); spend starts leaving the window in .+; nothing was started\nhint: wait, or raise it/,
    );
    const second = await project.show('second');
    expect(second.status).toBe('open');
    expect(second.attempts ?? 0).toBe(0);
    expect(second.retry_count ?? 0).toBe(0);

    // More money for the day lets it go on.
    const raised = await project.wg(['run', '--budget-usd-per-day', '5']);
    expect(raised.exitCode, raised.stdout + raised.stderr).toBe(0);
  }, 60_000);
});

describe('a budget per day in PostgreSQL', () => {
  it('spent by a runner in one folder, stops a runner in another folder on the same graph', async () => {
    const database = await createDatabase();
    onTestFinished(() => database.drop());
    /** A runner's folder: `wg init --store URL`, the fake agent, and $1 a day under [run]. */
    const runnerFolder = async () => {
      const dir = mkdtempSync(join(tmpdir(), 'wg-runaway-pg-'));
      onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
      const init = await runWg(['init', '--store', database.url], { cwd: dir });
      expect(init.exitCode, init.stderr).toBe(0);
      const path = join(dir, '.workgraph', 'config.toml');
      const config = readFileSync(path, 'utf8').replace(/^\[run\]$/m, '[run]\nbudget_usd_per_day = 1');
      writeFileSync(
        path,
        `${config}\n[backends.fake]\ntype = "command"\nargv = ["node", ${JSON.stringify(FAKE_AGENT)}, "{prompt_file}"]\n`,
      );
      return (args: string[]) => runWg(args, { cwd: dir });
    };
    const one = await runnerFolder();
    const two = await runnerFolder();
    const spend = script([{ print: '::usage {"cost_usd": 1.5}' }]);
    expect((await one(['add', 'Spend', '--id', 'spend', '--backend', 'fake', '--prompt', spend])).exitCode).toBe(0);
    expect((await one(['add', 'Later', '--id', 'later', '--backend', 'fake', '--prompt', spend])).exitCode).toBe(0);
    const first = await one(['run', 'spend']);
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);

    const second = await two(['run']);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain('error: the day budget is spent: $1.50 of $1.00 in the last 24 hours');
    const later = JSON.parse((await two(['show', 'later', '--json'])).stdout) as { status: string };
    expect(later.status).toBe('open');
  }, 60_000);
});
