/**
 * Backends and the fake agent as real processes: the launch specs that the backends
 * build are spawned with execa exactly as given, and their output goes through the
 * backend's own parser.
 */
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commandBackend } from '../../src/backends/command.js';
import { shellBackend } from '../../src/backends/shell.js';
import type { AgentEvent, Backend, LaunchSpec, RunContext } from '../../src/backends/types.js';
import type { Task } from '../../src/graph/schema.js';
import { isProcessAlive } from '../../src/system/process.js';
import { cleanEnv, REPO_ROOT, tempProject, type Project } from '../support/wg.js';

const FAKE_AGENT = join(REPO_ROOT, 'test/fixtures/fake-agent.mjs');
const AGENT_ARGV = ['node', FAKE_AGENT, '{prompt_file}'];

let dir: string;
/** Pid files of grandchildren a test started: each is killed afterwards, whatever the test did. */
let pidFiles: string[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wg-agent-'));
  pidFiles = [];
});
afterEach(() => {
  for (const file of pidFiles) {
    if (!existsSync(file)) continue;
    try {
      process.kill(Number(readFileSync(file, 'utf8')), 'SIGKILL');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function promptWith(steps: unknown[], text = '# Build the API\nWrite the handlers.\n'): string {
  return `${text}\n\`\`\`fake-agent\n${JSON.stringify(steps, null, 2)}\n\`\`\`\n`;
}

interface AgentOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  settings?: Record<string, unknown>;
  task?: Partial<Task>;
}

/** The launch spec that `backend` builds for a prompt saved in the test folder, as the runner would call it. */
function launchSpec(backend: Backend, prompt: string, options: AgentOptions = {}): LaunchSpec {
  const promptFile = join(dir, 'prompt.md');
  writeFileSync(promptFile, prompt);
  const context: RunContext = {
    task: { id: 'work', title: 'Build the API', status: 'in-progress', ...options.task },
    prompt,
    promptFile,
    workdir: options.cwd ?? dir,
    workgraphDir: join(dir, '.workgraph'),
    model: undefined,
    settings: options.settings ?? { argv: AGENT_ARGV },
    env: { ...process.env, ...cleanEnv(options.env) },
  };
  return backend.launch(context);
}

/** Spawned as the runner does: the spec's env is the whole environment, and no stdin unless the spec has some. */
function spawnSpec(spec: LaunchSpec) {
  return execa(spec.file, spec.args, {
    cwd: spec.cwd,
    env: spec.env,
    extendEnv: false,
    input: spec.stdin,
    stdin: spec.stdin === undefined ? 'ignore' : 'pipe',
    reject: false,
    lines: true,
  });
}

interface AgentRun {
  exitCode: number | undefined;
  stdout: string[];
  stderr: string[];
  /** Stdout's events, then stderr's (the order within each stream is kept). */
  events: AgentEvent[];
}

async function run(backend: Backend, spec: LaunchSpec): Promise<AgentRun> {
  const result = await spawnSpec(spec);
  const parser = backend.parser();
  const events = [
    ...result.stdout.flatMap((line) => parser.line(line, 'stdout')),
    ...result.stderr.flatMap((line) => parser.line(line, 'stderr')),
  ];
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, events };
}

const agent = commandBackend('command');
const runAgent = (steps: unknown[], options: AgentOptions = {}) =>
  run(agent, launchSpec(agent, promptWith(steps), options));

/** Resolves when a line containing `text` appears on the stream: synchronisation on output, not on time. */
function lineOn(stream: NodeJS.ReadableStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    let seen = '';
    const listen = (chunk: Buffer | string) => {
      seen += chunk.toString();
      if (seen.includes(text)) {
        stream.off('data', listen);
        resolve();
      }
    };
    stream.on('data', listen);
  });
}

describe('backends as real processes', () => {
  it('the command backend launches the fake agent on its prompt file and its parser structures the output', async () => {
    const result = await runAgent([
      { expectPrompt: 'Write the handlers.' },
      { print: 'reading the code' },
      { print: '::progress 50 half way' },
      { print: '::tool Edit src/api.ts' },
      { print: '::usage {"input_tokens": 1200, "output_tokens": 300, "cost_usd": 0.02}' },
      { stderr: '  a warning  ' },
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.events).toEqual([
      { type: 'progress', message: 'reading the code' },
      { type: 'progress', percent: 50, message: 'half way' },
      { type: 'tool', name: 'Edit', summary: 'src/api.ts' },
      { type: 'usage', inputTokens: 1200, outputTokens: 300, costUsd: 0.02 },
      { type: 'progress', message: 'a warning' },
    ]);
  });

  it('in stdin mode the agent receives the whole prompt on stdin', async () => {
    const prompt = promptWith(
      [{ copyPrompt: 'seen/prompt.md' }, { print: 'got it' }],
      '# Ünïcode task\n\n  indented\n',
    );
    const spec = launchSpec(agent, prompt, { settings: { argv: ['node', FAKE_AGENT, '-'], stdin: true } });
    const result = await run(agent, spec);
    expect(result).toMatchObject({ exitCode: 0, events: [{ type: 'progress', message: 'got it' }] });
    expect(readFileSync(join(dir, 'seen/prompt.md'), 'utf8')).toBe(prompt);
  });

  it('the command backend runs any program, with its configured env added and placeholders filled', async () => {
    const spec = launchSpec(agent, 'unused', {
      settings: {
        argv: ['sh', '-c', 'echo "$GREETING from $1 in $(pwd)"; echo "::progress 10 $WG_TASK_ID"', 'sh', '{task_id}'],
        env: { GREETING: 'hello' },
      },
      env: { WG_TASK_ID: 'work' },
    });
    const result = await run(agent, spec);
    expect(result.exitCode).toBe(0);
    expect(result.events).toEqual([
      { type: 'progress', message: `hello from work in ${realpathSync(dir)}` },
      { type: 'progress', percent: 10, message: 'work' },
    ]);
  });

  it("the shell backend runs the task's exec in the workdir, with stdin closed", async () => {
    writeFileSync(join(dir, 'input.txt'), 'from the workdir\n');
    const spec = launchSpec(shellBackend, '', {
      task: { exec: 'cat input.txt; cat; echo "  to stderr  " >&2; exit 3' },
    });
    const result = await run(shellBackend, spec);
    expect(result.exitCode).toBe(3);
    expect(result.events).toEqual([
      { type: 'progress', message: 'from the workdir' },
      { type: 'progress', message: 'to stderr' },
    ]);
  });
});

describe('fake agent against a real project', () => {
  let project: Project;
  beforeEach(async () => {
    project = await tempProject();
  });
  /** A claimed task and the environment the runner would give its agent: bin/wg on PATH, lease and attempt. */
  async function claimed(id: string): Promise<Record<string, string>> {
    await project.ok(['add', 'Build the API', '--id', id]);
    const lease = await project.json<{ token: string; attempt: number }>(['claim', id, '--actor', 'fake']);
    return {
      PATH: `${join(REPO_ROOT, 'bin')}${delimiter}${process.env.PATH}`,
      WG_TASK_ID: id,
      WG_TOKEN: lease.token,
      WG_ATTEMPT: String(lease.attempt),
    };
  }

  it('runs wg with the lease, writes files and copies its prompt', async () => {
    const env = await claimed('work');
    const steps = [
      { expectPrompt: 'Build the API' },
      { wg: ['log', '$TASK', 'hello from $TASK'] },
      { wg: ['progress', '$TASK', '60', 'most of it'] },
      { write: { path: 'out/result.txt', content: 'handlers written\n' } },
      { copyPrompt: 'out/prompt.md' },
      { print: 'finished' },
    ];
    const prompt = promptWith(steps);
    const result = await run(agent, launchSpec(agent, prompt, { cwd: project.dir, env }));
    expect(result.stderr).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.at(-1)).toBe('finished');
    const shown = await project.json<{ log: Array<{ message: string }>; progress: number }>(['show', 'work']);
    expect(shown.log.map((entry) => entry.message)).toContain('hello from work');
    expect(shown.progress).toBe(60);
    expect(readFileSync(join(project.dir, 'out/result.txt'), 'utf8')).toBe('handlers written\n');
    expect(readFileSync(join(project.dir, 'out/prompt.md'), 'utf8')).toBe(prompt);
  });

  it('fails with 70 when wg fails, unless the step allows it', async () => {
    const env = await claimed('work');
    const failing = await runAgent([{ wg: ['log', 'no-such-task', 'x'] }, { print: 'not reached' }], {
      cwd: project.dir,
      env,
    });
    expect(failing.exitCode).toBe(70);
    expect(failing.stdout).toEqual([]);
    expect(failing.stderr.at(-1)).toMatch(/^fake agent: wg log no-such-task x: exited 1$/);
    const allowed = await runAgent([{ wg: ['log', 'no-such-task', 'x'], allowFail: true }, { print: 'carried on' }], {
      cwd: project.dir,
      env,
    });
    expect(allowed).toMatchObject({ exitCode: 0, stdout: ['carried on'] });
  });

  it('fails with 70 when there is no wg on PATH', async () => {
    // The agent is started by absolute path, since its PATH (an empty folder) has no node either.
    const settings = { argv: [process.execPath, FAKE_AGENT, '{prompt_file}'] };
    const result = await runAgent([{ wg: ['log', '$TASK', 'x'] }], {
      cwd: project.dir,
      env: { PATH: dir, WG_TASK_ID: 'work' },
      settings,
    });
    expect(result.exitCode).toBe(70);
    expect(result.stderr).toEqual(['fake agent: wg log work x: spawn wg ENOENT']);
  });
});

describe('fake agent steps', () => {
  it('fails on the listed attempts only, with the given code and message', async () => {
    const steps = [{ failOnAttempts: [1, 2], code: 3, message: 'flaky' }, { print: 'succeeded' }];
    const first = await runAgent(steps, { env: { WG_ATTEMPT: '1' } });
    expect(first).toMatchObject({ exitCode: 3, stdout: [], stderr: ['fake agent: flaky'] });
    expect((await runAgent(steps, { env: { WG_ATTEMPT: '2' } })).exitCode).toBe(3);
    expect(await runAgent(steps, { env: { WG_ATTEMPT: '3' } })).toMatchObject({ exitCode: 0, stdout: ['succeeded'] });
  });

  it('exits 65 when the prompt lacks an expected text', async () => {
    const result = await runAgent([{ expectPrompt: 'Deploy to production' }, { print: 'not reached' }]);
    expect(result).toMatchObject({
      exitCode: 65,
      stdout: [],
      stderr: ['fake agent: the prompt lacks "Deploy to production"'],
    });
  });

  it('stops at an exit step with its code', async () => {
    expect(await runAgent([{ print: 'a' }, { exit: 7 }, { print: 'b' }])).toMatchObject({
      exitCode: 7,
      stdout: ['a'],
      stderr: [],
    });
  });

  it('without a script says so and succeeds; a broken script or unknown step exits 64', async () => {
    const spec = (prompt: string) => launchSpec(agent, prompt);
    expect(await run(agent, spec('just a prompt\n'))).toMatchObject({ exitCode: 0, stdout: ['fake agent: no script'] });
    const broken = await run(agent, spec('```fake-agent\n[{"print": \n```\n'));
    expect(broken.exitCode).toBe(64);
    expect(broken.stderr[0]).toMatch(/^fake agent: the fake-agent block is not JSON/);
    expect(await runAgent([{ dance: true }])).toMatchObject({
      exitCode: 64,
      stderr: ['fake agent: unknown step {"dance":true}'],
    });
  });

  it('prints exactly the requested number of bytes, in lines of at most 100', async () => {
    const total = 2_000_050;
    const result = await runAgent([{ printBytes: total }]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toHaveLength(Math.ceil(total / 100));
    expect(result.stdout.reduce((sum, line) => sum + line.length + 1, 0)).toBe(total);
    expect(result.stdout[12345]).toMatch(/^00012345 x{90}$/);
    expect(result.stdout.at(-1)).toMatch(/^00020000 x{40}$/);
  });

  it('sleeps and stays silent for the given time', async () => {
    const started = performance.now();
    const result = await runAgent([{ sleep: 150 }, { silent: 150 }]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    expect(result).toMatchObject({ exitCode: 0, stdout: [], stderr: [] });
  });

  it('leaves a grandchild running, not detached from its process group or session, and records its pid', async () => {
    const pidFile = join(dir, 'run/gc.pid');
    pidFiles.push(pidFile);
    const result = await runAgent([{ grandchild: { pidFile: 'run/gc.pid', sleepMs: 600_000 } }, { print: 'spawned' }]);
    expect(result).toMatchObject({ exitCode: 0, stdout: ['spawned'] });
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(isProcessAlive(pid)).toBe(true);
    if (existsSync('/proc/self/stat')) {
      // Not detached: the grandchild stays in the agent's process group and session, which execa left as ours.
      const groupAndSession = (stat: string) =>
        stat
          .slice(stat.lastIndexOf(')') + 2)
          .split(' ')
          .slice(2, 4);
      expect(groupAndSession(readFileSync(`/proc/${pid}/stat`, 'utf8'))).toEqual(
        groupAndSession(readFileSync('/proc/self/stat', 'utf8')),
      );
    }
  });

  it('with holdOutput the grandchild keeps the output pipes open after the agent exits', async () => {
    const pidFile = join(dir, 'gc.pid');
    pidFiles.push(pidFile);
    const subprocess = spawnSpec(
      launchSpec(agent, promptWith([{ grandchild: { pidFile: 'gc.pid', holdOutput: true } }, { print: 'spawned' }])),
    );
    const agentExited = new Promise<number | null>((resolve) => subprocess.on('exit', resolve));
    let settled = false;
    void subprocess.finally(() => (settled = true));
    expect(await agentExited).toBe(0);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(isProcessAlive(pid)).toBe(true);
    // The agent is gone but the grandchild still holds stdout, so the run has not ended.
    expect(settled).toBe(false);
    process.kill(pid, 'SIGKILL');
    const result = await subprocess;
    expect(result.stdout).toEqual(['spawned']);
  });

  it('ignores SIGTERM when told to, so only SIGKILL stops it', async () => {
    const subprocess = spawnSpec(
      launchSpec(agent, promptWith([{ ignoreSigterm: true }, { print: 'ready' }, { sleep: 600_000 }])),
    );
    await lineOn(subprocess.stdout!, 'ready');
    const told = lineOn(subprocess.stderr!, 'fake agent: ignoring SIGTERM');
    subprocess.kill('SIGTERM');
    await told;
    subprocess.kill('SIGKILL');
    const result = await subprocess;
    expect(result.signal).toBe('SIGKILL');
  });
});
