/**
 * Ctrl-C as a terminal sends it: `wg run` under a pseudo-terminal (util-linux `script`),
 * and the byte ^C written into it, so the terminal's line discipline sends SIGINT to the
 * whole foreground process group (wg and everything in its group), not to wg's pid alone.
 * Once or twice, the running tasks must be reopened without counting a retry, the summary
 * must say so, nothing may be left in progress, and the next `wg run` must finish them.
 * An ACP agent's session is cancelled and its whole process group stopped.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { execa, type ResultPromise } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { KNOWN_ACP_AGENTS } from '../../src/acp/known-agents.js';
import { locateAcpAgent } from '../../src/backends/acp.js';
import { ACP_AGENT_ENV, AGENT_HOMES, OFFLINE_ENV } from '../support/agents.js';
import { waitFor } from '../support/fake.js';
import { parseLines, processesOf, spawnersIn } from '../support/fault.js';
import { startModelServer } from '../support/model-server.js';
import { cleanEnv, tempProject, WG_BIN, type Project } from '../support/wg.js';

const opencode = locateAcpAgent(KNOWN_ACP_AGENTS.opencode, undefined, '', process.cwd());
if (!opencode) process.stderr.write('\n*** SKIPPED Ctrl-C of acp:opencode: opencode-ai is not installed beside wg\n\n');

let project: Project | undefined;
let scratch: string | undefined;
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  project = undefined;
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

interface Task {
  id: string;
  status: string;
  retry_count?: number;
  failure_reason?: string;
  claim?: unknown;
  log?: Array<{ message: string }>;
}

const tasks = (): Task[] => parseLines(project!.graphNow()) as unknown as Task[];
const at = (path: string) => join(scratch!, path);
const has = (path: string) => existsSync(at(path));
const text = (path: string) => (has(path) ? readFileSync(at(path), 'utf8') : '');

/**
 * A task's command: marks itself started, notes every SIGINT and SIGTERM it receives (the
 * terminal's SIGINT must never reach it), and works until the test creates `go`. With
 * `holdOn` it survives SIGTERM, so only the grace period's SIGKILL ends it.
 */
function waiting(id: string, holdOn = false): string {
  const onTerm = holdOn ? `echo TERM >> ${at(`${id}.signals`)}` : `echo TERM >> ${at(`${id}.signals`)}; exit 143`;
  return `trap '${onTerm}' TERM; trap 'echo INT >> ${at(`${id}.signals`)}' INT; touch ${at(`${id}.started`)}; while [ ! -f ${at('go')} ]; do sleep 0.1; done`;
}

interface Terminal {
  ctrlC(): void;
  output(): string;
  ended: ResultPromise;
}

/** `wg run` under a pseudo-terminal of its own, as a person starts it. */
function inTerminal(dir: string, args: string[] = [], env: Record<string, string | undefined> = {}): Terminal {
  const run = execa('script', ['-qfec', [`node ${WG_BIN} run`, ...args].join(' '), '/dev/null'], {
    cwd: dir,
    env: cleanEnv(env),
    stdin: 'pipe',
    reject: false,
  });
  let output = '';
  run.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  cleanups.push(() => run.kill('SIGKILL'));
  return {
    // ^C as the keyboard types it: the pty's line discipline turns it into SIGINT for the foreground process group.
    ctrlC: () => run.stdin!.write('\x03'),
    // Without colours and the live view's cursor codes.
    output: () => stripVTControlCharacters(output).replace(/\r/g, ''),
    ended: run,
  };
}

async function project_(config?: (toml: string) => string): Promise<Project> {
  scratch = mkdtempSync(join(tmpdir(), 'wg-ctrl-c-'));
  project = await tempProject();
  if (config) {
    const path = join(project.dir, '.workgraph', 'config.toml');
    writeFileSync(path, config(readFileSync(path, 'utf8')));
  }
  return project;
}

async function gitRepository(dir: string): Promise<void> {
  const git = (...args: string[]) => execa('git', args, { cwd: dir });
  await git('init', '--quiet', '--initial-branch', 'main');
  await git('config', 'user.email', 'tester@example.com');
  await git('config', 'user.name', 'Tester');
  writeFileSync(join(dir, 'README.md'), '# demo\n');
  writeFileSync(join(dir, '.gitignore'), 'node_modules\n');
  await git('add', 'README.md', '.gitignore');
  await git('commit', '--quiet', '-m', 'initial');
}

/** What an interrupted run must leave: every task open again, no retry counted, no lease, its agents and spawners gone. */
async function expectReopened(ids: string[], output: string): Promise<void> {
  const byId = new Map(tasks().map((task) => [task.id, task]));
  for (const id of ids) {
    const task = byId.get(id)!;
    expect(task, id).toMatchObject({ status: 'open', failure_reason: 'interrupted' });
    expect(task.retry_count ?? 0, `${id}: Ctrl-C counted as a failed attempt`).toBe(0);
    expect(task.claim, `${id} still holds a lease`).toBeUndefined();
    expect(task.log?.at(-1)?.message, id).toBe('interrupted; reopened');
    // The terminal's SIGINT went to wg alone; wg stopped the agent itself.
    expect(text(`${id}.signals`), `${id}'s signals`).not.toContain('INT');
    expect(text(`${id}.signals`), `${id}'s signals`).toContain('TERM');
  }
  expect(tasks().filter((task) => task.status === 'in-progress' || task.status === 'failed')).toEqual([]);
  expect(output).toMatch(new RegExp(`Run interrupted after [\\d.]+s: 0 done, ${ids.length} reopened, 0 failed`));
  expect(output).toMatch(
    new RegExp(
      `interrupted: running agents were stopped; reopened, the interruption counting no attempt: (${ids.join('|')})(, (${ids.join('|')}))*; wg run starts them again`,
    ),
  );
  expect(output).not.toMatch(/spawn-error|spawner stopped|failed +\S+:/);
  // Processes stop by themselves: the agents were stopped, and the spawners follow their runner.
  await waitFor(() => processesOf(join(project!.dir, '.workgraph')).length === 0, 'the agents to be gone', 10_000);
  await waitFor(() => spawnersIn(project!.dir).length === 0, 'the process spawners to exit', 10_000);
}

/** The next, ordinary `wg run` finishes everything, and no retry was ever counted. */
async function expectNextRunFinishes(ids: string[], retries: Record<string, number> = {}): Promise<void> {
  writeFileSync(at('go'), '');
  const next = await project!.wg(['run']);
  expect(next.exitCode, next.stdout + next.stderr).toBe(0);
  for (const task of tasks()) {
    expect(task.status, task.id).toBe('done');
    expect(task.retry_count ?? 0, task.id).toBe(retries[task.id] ?? 0);
  }
  expect(
    tasks()
      .map((task) => task.id)
      .sort(),
  ).toEqual([...ids].sort());
}

describe('Ctrl-C in a terminal', () => {
  it(
    'once: the running tasks are reopened without counting a retry, and the next wg run finishes them (default settings)',
    { timeout: 120_000 },
    async () => {
      await project_();
      const ids = ['alpha', 'beta', 'gamma'];
      for (const id of ids) await project!.ok(['add', id, '--id', id, '--exec', waiting(id)]);
      const terminal = inTerminal(project!.dir);
      await waitFor(
        () => ids.every((id) => has(`${id}.started`)) && tasks().every((task) => task.status === 'in-progress'),
        'every task to be running',
      );
      terminal.ctrlC();
      const result = await terminal.ended;
      expect(result.exitCode, terminal.output()).toBe(130);
      expect(terminal.output()).toMatch(
        /stopping: running agents get SIGTERM \(SIGKILL after 5s\) and their tasks are reopened; again to kill them at once/,
      );
      await expectReopened(ids, terminal.output());
      await expectNextRunFinishes(ids);
    },
  );

  it(
    'twice: the second Ctrl-C kills agents that outlast SIGTERM at once, and still reopens their tasks',
    { timeout: 120_000 },
    async () => {
      // A grace far longer than the test may take: only the second Ctrl-C can end this run in time.
      await project_((toml) => toml.replace(/^grace = .*$/m, 'grace = "10m"'));
      const ids = ['stubborn', 'mule'];
      for (const id of ids) await project!.ok(['add', id, '--id', id, '--exec', waiting(id, true)]);
      const terminal = inTerminal(project!.dir);
      await waitFor(
        () => ids.every((id) => has(`${id}.started`)) && tasks().every((task) => task.status === 'in-progress'),
        'every task to be running',
      );
      terminal.ctrlC();
      // The first Ctrl-C was heard: every agent has had its SIGTERM (and ignored it).
      await waitFor(() => ids.every((id) => text(`${id}.signals`).includes('TERM')), 'the agents to get SIGTERM');
      terminal.ctrlC();
      const result = await terminal.ended;
      expect(result.exitCode, terminal.output()).toBe(130);
      expect(terminal.output()).toContain('stopping now: running agents are killed without their grace period');
      await expectReopened(ids, terminal.output());
      await expectNextRunFinishes(ids);
    },
  );

  it(
    'during a retry backoff: the task waiting for its retry is reopened too, its one real failure counted once',
    { timeout: 120_000 },
    async () => {
      await project_((toml) => toml.replace(/^retry_backoff = .*$/m, 'retry_backoff = "10m"'));
      await project!.ok(['add', 'steady', '--id', 'steady', '--exec', waiting('steady')]);
      await project!.ok([
        'add',
        'flaky',
        '--id',
        'flaky',
        '--exec',
        `if [ ! -f ${at('failed-once')} ]; then touch ${at('failed-once')}; exit 3; fi`,
      ]);
      const terminal = inTerminal(project!.dir);
      const byId = () => new Map(tasks().map((task) => [task.id, task]));
      await waitFor(
        () =>
          has('steady.started') &&
          byId().get('steady')?.status === 'in-progress' &&
          byId().get('flaky')?.status === 'failed',
        'steady to run and flaky to wait for its retry',
      );
      terminal.ctrlC();
      const result = await terminal.ended;
      expect(result.exitCode, terminal.output()).toBe(130);
      expect(byId().get('flaky')).toMatchObject({ status: 'open', retry_count: 1, failure_reason: 'exit code 3' });
      expect(byId().get('steady')).toMatchObject({ status: 'open', failure_reason: 'interrupted' });
      expect(byId().get('steady')!.retry_count ?? 0).toBe(0);
      expect(terminal.output()).toMatch(/Run interrupted after [\d.]+s: 0 done, 2 reopened, 0 failed/);
      await expectNextRunFinishes(['steady', 'flaky'], { flaky: 1 });
    },
  );

  it(
    'in a git repository under CPU load: agents, a running verify and a worktree_setup are all interrupted, not failed',
    { timeout: 240_000 },
    async () => {
      await project_((toml) =>
        `${toml}\n`.replace(
          /^\[run\]$/m,
          `[run]\nworktree_setup = "touch ${at('setup.started')}; while [ ! -f ${at('go')} ]; do sleep 0.1; done"`,
        ),
      );
      await gitRepository(project!.dir);
      // A CPU burner beside the run (one: the suite's other files share the machine); it ends with the test, or by itself.
      const burner = spawn(process.execPath, ['-e', 'const end = Date.now() + 120000; while (Date.now() < end);'], {
        stdio: 'ignore',
      });
      cleanups.push(() => burner.kill('SIGKILL'));
      // The setup waits for `go` too, so for this run every attempt is held in its worktree_setup.
      const ids = ['agent', 'checked'];
      await project!.ok(['add', 'agent', '--id', 'agent', '--exec', waiting('agent')]);
      await project!.ok([
        'add',
        'checked',
        '--id',
        'checked',
        '--exec',
        'echo work > work.txt',
        '--verify',
        waiting('checked'),
      ]);
      const terminal = inTerminal(project!.dir);
      await waitFor(
        () => has('setup.started') && tasks().every((task) => task.status === 'in-progress'),
        'the attempts to be in their worktree_setup',
        60_000,
      );
      terminal.ctrlC();
      const first = await terminal.ended;
      expect(first.exitCode, terminal.output()).toBe(130);
      const afterSetup = new Map(tasks().map((task) => [task.id, task]));
      for (const id of ids) {
        expect(afterSetup.get(id), terminal.output()).toMatchObject({ status: 'open', failure_reason: 'interrupted' });
        expect(afterSetup.get(id)!.retry_count ?? 0).toBe(0);
      }
      expect(terminal.output()).toMatch(/Run interrupted after [\d.]+s: 0 done, 2 reopened, 0 failed/);

      // Now without the slow setup: the agent and the verify are running when Ctrl-C comes.
      const config = join(project!.dir, '.workgraph', 'config.toml');
      writeFileSync(config, readFileSync(config, 'utf8').replace(/^worktree_setup = .*$/m, ''));
      const again = inTerminal(project!.dir);
      await waitFor(
        () => has('agent.started') && has('checked.started') && tasks().every((task) => task.status === 'in-progress'),
        'the agent and the verify to be running',
        60_000,
      );
      again.ctrlC();
      const second = await again.ended;
      expect(second.exitCode, again.output()).toBe(130);
      await expectReopened(ids, again.output());
      await expectNextRunFinishes(ids);
      expect(readFileSync(join(project!.dir, 'work.txt'), 'utf8')).toBe('work\n');
    },
  );

  it.skipIf(!opencode)(
    'an ACP agent (opencode, mid-turn): its session is cancelled, its whole process group stopped, its task reopened',
    { timeout: 240_000 },
    async () => {
      await project_();
      const server = await startModelServer({ chat: [{ text: 'too late', delayMs: 120_000 }] });
      cleanups.push(() => void server.close());
      mkdirSync(AGENT_HOMES, { recursive: true });
      const home = mkdtempSync(join(AGENT_HOMES, 'ctrl-c-'));
      cleanups.push(() => rmSync(home, { recursive: true, force: true }));
      await project!.ok(['add', 'Slow', '--id', 'slow']);
      const env = { HOME: home, ...OFFLINE_ENV, ...ACP_AGENT_ENV.opencode(server.url, home) };
      const terminal = inTerminal(project!.dir, ['--backend', 'acp:opencode'], env);
      // opencode's turn has reached the model, which takes its time to answer.
      await waitFor(() => server.scripted('chat').length > 0, "opencode's request to the model", 120_000);
      terminal.ctrlC();
      const result = await terminal.ended;
      expect(result.exitCode, terminal.output()).toBe(130);
      const task = tasks().find((entry) => entry.id === 'slow')!;
      expect(task).toMatchObject({ status: 'open', failure_reason: 'interrupted' });
      expect(task.retry_count ?? 0).toBe(0);
      const output = readFileSync(join(project!.dir, '.workgraph', 'runs', 'slow', '1', 'output.log'), 'utf8');
      expect(output).toContain('wg: cancelling the acp:opencode session');
      // opencode and whatever it started (wg mcp) went with its process group.
      await waitFor(() => processesOf(join(project!.dir, '.workgraph')).length === 0, 'the agent to be gone', 10_000);
    },
  );
});
