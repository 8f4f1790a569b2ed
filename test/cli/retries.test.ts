/**
 * Failures that will repeat are not retried, and a retry learns why (issue 18, part 3):
 * through the built `wg`, in projects as `wg init` leaves them (the built-in agent reached
 * through ANTHROPIC_BASE_URL, the scripted model server standing in for the model).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findClaude, OFFLINE_ENV, TEST_API_KEY } from '../support/agents.js';
import { startModelServer, type ModelServer, type ModelServerScript } from '../support/model-server.js';
import { tempProject, type Project, type ShownTask } from '../support/wg.js';
import { textsOnPage } from '../serve/browser.js';
import { serve } from '../serve/support.js';

let project: Project | undefined;
let server: ModelServer | undefined;
afterEach(async () => {
  await server?.close();
  [project, server] = [undefined, undefined];
});

const messages = async (id: string) => (await project!.show(id)).log.map((entry) => entry.message);

const claude = await findClaude();

/** A project exactly as `wg init` makes it, plus a scripted model for the built-in agent (and Claude Code). */
async function withModel(
  script: ModelServerScript | ((dir: string) => ModelServerScript),
): Promise<{ project: Project; env: Record<string, string | undefined> }> {
  project = await tempProject();
  server = await startModelServer(typeof script === 'function' ? script(project.dir) : script);
  return {
    project,
    env: {
      ...OFFLINE_ENV,
      ANTHROPIC_API_KEY: TEST_API_KEY,
      ANTHROPIC_BASE_URL: server.url,
      CLAUDE_CODE_MAX_RETRIES: '0',
    },
  };
}

/** The user message (the prompt) of each conversation the built-in agent started. */
function prompts(): string[] {
  return server!
    .scripted('anthropic')
    .filter((request) => request.body.messages.length === 1)
    .map((request) => String(request.body.messages[0].content));
}

describe('a check that cannot run', () => {
  it('exit 127 (command not found) is not retried, and the failure says how to fix it, naming the task', async () => {
    project = await tempProject();
    await project.ok([
      'add',
      'Build',
      '--id',
      'build',
      '--exec',
      'echo built > out.txt',
      '--verify',
      'npx-avaa --verbose',
    ]);
    const result = await project.wg(['run']);
    expect(result.exitCode).toBe(1);
    const task = await project!.show('build');
    expect(task).toMatchObject({ status: 'failed', attempts: 1, retry_count: 1 });
    expect(task.failure_reason).toMatch(
      /^the check could not run \(exit code 127: command not found\): .*npx-avaa.*not found/,
    );
    expect(task.failure_reason).toContain('`wg edit build --verify "<a command that runs>"`');
    expect(task.failure_reason).toContain('`wg retry build`');
    expect(result.stdout).not.toMatch(/retry build in/);
    expect(result.stdout).toContain('wg retry build');
  });

  it('exit 126 (not executable) is not retried either', async () => {
    project = await tempProject();
    mkdirSync(join(project.dir, 'scripts'));
    await project.ok([
      'add',
      'Build',
      '--id',
      'build',
      '--max-retries',
      '3',
      '--exec',
      'printf "#!/bin/sh\\nexit 0\\n" > scripts/check.sh',
      '--verify',
      './scripts/check.sh',
    ]);
    expect((await project.wg(['run'])).exitCode).toBe(1);
    const task = await project!.show('build');
    expect(task).toMatchObject({ status: 'failed', attempts: 1 });
    expect(task.failure_reason).toMatch(/^the check could not run \(exit code 126: not executable\)/);
  });

  it('a missing working_dir is not retried, and the failure says what would change it', async () => {
    project = await tempProject();
    await project.ok([
      'add',
      'In pkg',
      '--id',
      'in-pkg',
      '--max-retries',
      '3',
      '--exec',
      'true',
      '--working-dir',
      'pkg',
    ]);
    expect((await project.wg(['run'])).exitCode).toBe(1);
    const task = await project!.show('in-pkg');
    expect(task).toMatchObject({ status: 'failed', attempts: 1 });
    expect(task.failure_reason).toMatch(
      /^invalid configuration: working_dir pkg does not exist .*create that folder, or change the task's working_dir.*`wg retry in-pkg`$/,
    );
    // Once the folder exists, a retry runs it.
    mkdirSync(join(project.dir, 'pkg'));
    await project.ok(['retry', 'in-pkg']);
    expect((await project.wg(['run'])).exitCode).toBe(0);
  });

  it('a check that runs and fails is still retried', async () => {
    project = await tempProject();
    await project.ok([
      'add',
      'Answer',
      '--id',
      'answer',
      '--max-retries',
      '2',
      '--exec',
      'echo 41 > answer.txt',
      '--verify',
      'grep -q 42 answer.txt',
    ]);
    expect((await project.wg(['run', '--retry-backoff', '10ms'])).exitCode).toBe(1);
    expect(await project!.show('answer')).toMatchObject({ status: 'failed', attempts: 2, retry_count: 2 });
  });
});

describe("a failed check's output reaches the retry", () => {
  it("the retry's prompt, wg show, wg log and the page's task carry the check's last lines", async () => {
    const { env } = await withModel({
      anthropic: [
        { tool: 'write_file', input: { path: 'answer.txt', content: '41\n' } },
        { text: 'Wrote 41.' },
        { tool: 'write_file', input: { path: 'answer.txt', content: '42\n' } },
        { text: 'Wrote 42 this time.' },
      ],
    });
    const check =
      'echo "checking answer.txt"; echo "AssertionError: expected 42, got $(cat answer.txt)"; grep -qx 42 answer.txt';
    await project!.ok([
      'add',
      'Answer',
      '--id',
      'answer',
      '--backend',
      'anthropic',
      '--model',
      'claude-scripted-1',
      '--verify',
      check,
    ]);
    const result = await project!.wg(['run'], { env });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(readFileSync(join(project!.dir, 'answer.txt'), 'utf8')).toBe('42\n');

    const [first, second] = prompts();
    expect(first).not.toContain('This is a retry');
    expect(second).toContain(
      '**This is a retry.** The previous attempt failed: verification failed (exit code 1): AssertionError: expected 42, got 41',
    );
    expect(second).toMatch(
      /What the check printed last:\n\n```\nchecking answer.txt\nAssertionError: expected 42, got 41\n```/,
    );
    expect(readFileSync(join(project!.dir, '.workgraph', 'runs', 'answer', '2', 'prompt.md'), 'utf8')).toContain(
      'AssertionError: expected 42, got 41',
    );

    // Done now: the stale failure is gone from the task, the log keeps it with the output and where the whole of it is.
    const task = await project!.show('answer');
    expect(task.status).toBe('done');
    expect(task.failure_output).toBeUndefined();
    const verifyLog = join(project!.dir, '.workgraph', 'runs', 'answer', '1', 'verify.log');
    expect(readFileSync(verifyLog, 'utf8')).toContain('expected 42, got 41');
    const failed = (await messages('answer')).find((message) => message.startsWith('failed: '))!;
    expect(failed).toContain(`all of its output: ${verifyLog}`);
    expect(failed).toContain('AssertionError: expected 42, got 41');
    const log = await project!.ok(['log', 'answer']);
    expect(log).toMatch(
      /failed: verification failed \(exit code 1\): AssertionError: expected 42, got 41\n\s+\| the check's last lines .*\n\s+\| checking answer.txt\n\s+\| AssertionError: expected 42, got 41/,
    );
  });

  it("wg show and the page show a failed task's check output; each attempt keeps its own", async () => {
    project = await tempProject();
    await project.ok([
      'add',
      'Answer',
      '--id',
      'answer',
      '--max-retries',
      '1',
      '--exec',
      'echo 41 > answer.txt',
      '--verify',
      'echo "got $(cat answer.txt), want 42"; exit 3',
    ]);
    expect((await project.wg(['run'])).exitCode).toBe(1);
    expect((await project!.show('answer')).failure_output).toBe('got 41, want 42');
    expect(await project.ok(['show', 'answer'])).toMatch(/check output:\n\s+\| got 41, want 42/);

    const served = await serve(project.dir);
    try {
      const detail = (await (await fetch(`${served.api}api/tasks/answer`)).json()) as {
        task: ShownTask;
        attempts: Array<{ attempt: number; outcome: string; reason: string; output: string | null }>;
      };
      expect(detail.task.failure_output).toBe('got 41, want 42');
      expect(detail.attempts).toHaveLength(1);
      expect(detail.attempts[0]).toMatchObject({
        outcome: 'failed',
        reason: expect.stringMatching(/^verification failed \(exit code 3\): got 41, want 42$/),
        output: 'got 41, want 42',
      });
      // The task's page, in a real browser, shows it too.
      expect(
        await textsOnPage(`${served.url}#/task/answer`, ['#failure-output', '#attempts pre.check-output']),
      ).toEqual(['got 41, want 42', 'got 41, want 42']);
    } finally {
      await served.stop();
    }
  });
});

describe('refused calls', () => {
  const denied = (): ModelServerScript => ({
    anthropic: [
      { tool: 'bash', input: { command: 'npx ava --verbose' } },
      { tool: 'write_file', input: { path: 'out.txt', content: 'done\n' } },
      { text: 'Wrote out.txt without running ava.' },
    ],
  });

  it('with a verify (default auto): the refusal goes back to the agent, which goes on; the check decides', async () => {
    const { env } = await withModel(denied());
    await project!.ok([
      'add',
      'Out',
      '--id',
      'out',
      '--backend',
      'anthropic',
      '--model',
      'claude-scripted-1',
      '--tool',
      'write_file',
      '--tool',
      'Bash(npm test:*)',
      '--verify',
      'test -f out.txt',
    ]);
    const result = await project!.wg(['run'], { env });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(await project!.show('out')).toMatchObject({ status: 'done', attempts: 1 });
    // The model was told, in the call's result, and the log names the exact rule that would allow it.
    const second = server!.scripted('anthropic')[1]!.body.messages.at(-1).content[0];
    expect(second).toMatchObject({ type: 'tool_result', is_error: true });
    expect(second.content).toMatch(
      /^permission denied: `npx ava --verbose` is not among the commands this task may run/,
    );
    expect(await messages('out')).toContainEqual(expect.stringContaining('refused: bash (npx ava --verbose)'));
    expect(await messages('out')).toContainEqual(
      expect.stringContaining('`wg edit out --tool "Bash(npx ava:*)"` would allow it'),
    );
  });

  it('without a verify (default auto) it ends the attempt, names the --tool that allows it, and is not retried until the tools change', async () => {
    const { env } = await withModel(denied());
    await project!.ok([
      'add',
      'Out',
      '--id',
      'out',
      '--backend',
      'anthropic',
      '--model',
      'claude-scripted-1',
      '--max-retries',
      '3',
      '--tool',
      'write_file',
      '--tool',
      'Bash(npm test:*)',
    ]);
    const result = await project!.wg(['run'], { env });
    expect(result.exitCode).toBe(1);
    const task = await project!.show('out');
    expect(task).toMatchObject({ status: 'failed', attempts: 1 });
    expect(task.failure_reason).toMatch(/^permission denied: bash \(npx ava --verbose\)/);
    expect(task.failure_reason).toContain(
      '`wg answer out "..." --allow "Bash(npx ava:*)"` grants it and reopens the task',
    );
    expect(existsSync(join(project!.dir, 'out.txt'))).toBe(false);
    // The agent ended at the refusal: the model was not asked again.
    expect(server!.scripted('anthropic')).toHaveLength(1);

    // The fix the failure names works: the command is now allowed and runs.
    await project!.ok(['answer', 'out', 'Yes, run ava.', '--allow', 'Bash(npx ava:*)']);
    expect((await project!.show('out')).status).toBe('open');
    const args = (await project!.json<{ steps: Array<{ args: string[] }> }>(['run', '--dry-run'], { env })).steps[0]!
      .args;
    expect(args).toContain('--allow-bash=Bash(npx ava:*)');
  });

  it('--on-permission-denied fail ends the attempt even when the task has a verify', async () => {
    const { env } = await withModel(denied());
    await project!.ok([
      'add',
      'Out',
      '--id',
      'out',
      '--backend',
      'anthropic',
      '--model',
      'claude-scripted-1',
      '--tool',
      'write_file',
      '--tool',
      'Bash(npm test:*)',
      '--verify',
      'test -f out.txt',
    ]);
    const result = await project!.wg(['run', '--on-permission-denied', 'fail'], { env });
    expect(result.exitCode).toBe(1);
    expect(await project!.show('out')).toMatchObject({ status: 'failed', attempts: 1 });
    expect(existsSync(join(project!.dir, 'out.txt'))).toBe(false);
  });

  it.skipIf(claude.skipReason !== undefined)(
    'Claude Code (the real CLI): with a verify the refusal is logged with its rule and the agent goes on; with fail it is stopped',
    async () => {
      // The reply after the refusal is slow: an agent left running would write out.txt meanwhile.
      const script =
        (delayMs: number) =>
        (dir: string): ModelServerScript => ({
          anthropic: [
            { tool: 'Bash', input: { command: 'npx ava --verbose', description: 'run the tests' } },
            { tool: 'Write', input: { file_path: join(dir, 'out.txt'), content: 'done\n' }, delayMs },
            { text: 'Wrote out.txt.' },
          ],
        });
      const { env } = await withModel(script(0));
      await project!.ok([
        'add',
        'Out',
        '--id',
        'out',
        '--backend',
        'claude',
        '--model',
        'claude-scripted-1',
        '--verify',
        'test -f out.txt',
      ]);
      const result = await project!.wg(['run'], { env });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      expect(await project!.show('out'), (await messages('out')).join('\n')).toMatchObject({
        status: 'done',
        attempts: 1,
      });
      expect(await messages('out')).toContainEqual(
        expect.stringMatching(
          /^refused: Bash \(npx ava --verbose\): .*`wg edit out --tool "Bash\(npx ava:\*\)"` would allow it/,
        ),
      );

      await server!.close();
      const again = await withModel(script(4000));
      await project!.ok([
        'add',
        'Out',
        '--id',
        'out',
        '--backend',
        'claude',
        '--model',
        'claude-scripted-1',
        '--max-retries',
        '3',
        '--verify',
        'test -f out.txt',
      ]);
      expect((await project!.wg(['run', '--on-permission-denied', 'fail'], { env: again.env })).exitCode).toBe(1);
      const task = await project!.show('out');
      expect(task).toMatchObject({ status: 'failed', attempts: 1 });
      expect(task.failure_reason).toContain(
        '`wg answer out "..." --allow "Bash(npx ava:*)"` grants it and reopens the task',
      );
      expect(existsSync(join(project!.dir, 'out.txt'))).toBe(false);
    },
  );

  it('[run] on_permission_denied and its flag are checked: a wrong value is one clear line', async () => {
    project = await tempProject();
    await project.ok(['add', 'T', '--id', 't', '--exec', 'true']);
    const flag = await project.wg(['run', '--on-permission-denied', 'maybe']);
    expect(flag.exitCode).not.toBe(0);
    expect(flag.stderr).toMatch(/expected auto, fail or continue/);
    const configPath = join(project.dir, '.workgraph', 'config.toml');
    writeFileSync(
      configPath,
      readFileSync(configPath, 'utf8').replace(/^\[run\]$/m, '[run]\non_permission_denied = "maybe"'),
    );
    const config = await project.wg(['run']);
    expect(config.exitCode).not.toBe(0);
    expect(config.stderr).toMatch(/^error: config\.toml: run\.on_permission_denied: /);
    expect(config.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('getting out of a failure', () => {
  it('wg retry --reset zeroes the count past max_retries and clears the stale failure from the next prompt', async () => {
    const { env } = await withModel({
      anthropic: [
        { text: 'Nothing to do.' },
        { tool: 'write_file', input: { path: 'ok.txt', content: 'ok\n' } },
        { text: 'Done.' },
      ],
    });
    await project!.ok([
      'add',
      'Ok',
      '--id',
      'ok',
      '--backend',
      'anthropic',
      '--model',
      'claude-scripted-1',
      '--max-retries',
      '1',
      '--verify',
      'echo "no ok.txt yet"; test -f ok.txt',
    ]);
    expect((await project!.wg(['run'], { env })).exitCode).toBe(1);
    expect(await project!.show('ok')).toMatchObject({ status: 'failed', retry_count: 1 });

    const refused = await project!.wg(['retry', 'ok']);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain('`wg retry ok --reset`');

    expect(await project!.ok(['retry', 'ok', '--reset'])).toContain('ok is now open');
    const reopened = await project!.show('ok');
    expect(reopened.retry_count).toBeUndefined();
    expect(reopened.failure_reason).toBeUndefined();
    expect(reopened.failure_output).toBeUndefined();
    expect(reopened.log.at(-1)!.message).toMatch(
      /^reopened with the retry count reset \(was 1 of 1; last failure: verification failed/,
    );

    expect((await project!.wg(['run'], { env })).exitCode).toBe(0);
    const [, again] = prompts();
    expect(again).toBeDefined();
    expect(again).not.toContain('This is a retry');
    expect(again).not.toContain('What the check printed last');
  });

  it('wg rm removes a mistyped task; refused while others wait for it unless --force, which unlinks them', async () => {
    project = await tempProject();
    await project.ok(['add', 'Biuld', '--id', 'biuld', '--exec', 'true']);
    await project.ok(['add', 'Ship', '--id', 'ship', '--blocked-by', 'biuld', '--exec', 'true']);
    await project.ok(['add', 'Alone', '--id', 'alone', '--exec', 'true']);

    expect(await project.ok(['rm', 'alone'])).toContain('Removed alone');
    expect((await project.wg(['show', 'alone'])).exitCode).not.toBe(0);

    const refused = await project.wg(['rm', 'biuld']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('biuld cannot be removed: ship waits for it');
    expect(refused.stderr).toContain('wg rm biuld --force');
    expect(refused.stderr.split('\n').filter(Boolean).length).toBeLessThanOrEqual(2);
    expect((await project!.show('biuld')).status).toBe('open');

    const forced = await project.json<{ removed: string; unlinked: string[] }>(['rm', 'biuld', '--force']);
    expect(forced).toEqual({ removed: 'biuld', unlinked: ['ship'] });
    expect(project.graphNow()).not.toContain('biuld');
    expect((await project.json<{ blocked_by?: string[] }>(['show', 'ship'])).blocked_by).toBeUndefined();
    expect((await project.wg(['check'])).exitCode).toBe(0);
    expect((await project.wg(['rm', 'nope'])).stderr).toMatch(/nope/);
  });
});
