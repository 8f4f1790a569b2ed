/**
 * `wg doctor` on real projects with planted misconfigurations (one `wg doctor` process
 * per scenario), and `wg run` refusing tasks that cannot launch before it claims them.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runWg } from '../support/wg.js';

const folders: string[] = [];
afterAll(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wg-doctor-'));
  folders.push(dir);
  return dir;
}

async function git(dir: string, ...args: string[]): Promise<string> {
  return String((await execa('git', args, { cwd: dir })).stdout);
}

/** A git repository with one commit on main holding `files` (added with -f: some scenarios ignore everything). */
async function repository(files: Record<string, string>): Promise<string> {
  const dir = folder();
  await git(dir, 'init', '--quiet', '--initial-branch', 'main');
  await git(dir, 'config', 'user.email', 'tester@example.com');
  await git(dir, 'config', 'user.name', 'Tester');
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  await git(dir, 'add', '-f', ...Object.keys(files));
  await git(dir, 'commit', '--quiet', '-m', 'initial');
  return dir;
}

/** `wg init` without a chosen backend (whatever credentials the machine has), then this config.toml. */
async function init(dir: string, config?: string): Promise<void> {
  const result = await runWg(['init', '--backend', ''], { cwd: dir });
  expect(result.exitCode, result.stderr).toBe(0);
  if (config !== undefined) writeFileSync(join(dir, '.workgraph', 'config.toml'), config);
}

const graph = (dir: string, tasks: Array<Record<string, unknown>>) =>
  writeFileSync(
    join(dir, '.workgraph', 'graph.jsonl'),
    tasks.map((task) => JSON.stringify({ kind: 'task', status: 'open', title: String(task.id), ...task })).join('\n') +
      '\n',
  );

/** A graph.lock whose owner, on this host, has exited. */
async function staleLock(dir: string): Promise<void> {
  const child = execa('true');
  await child;
  const gone = { pid: child.pid };
  writeFileSync(
    join(dir, '.workgraph', 'graph.lock'),
    JSON.stringify({ pid: gone.pid, host: hostname(), nonce: 'planted', acquired_at: '2026-01-01T00:00:00.000Z' }),
  );
}

interface Check {
  area: string;
  name: string;
  status: 'ok' | 'warn' | 'fail' | 'skip';
  detail: string;
  fix?: string;
}

// Programs asked for their flags get longer than the 2s default on a loaded test machine.
const env = { WG_DOCTOR_TIMEOUT: '30s' };

describe('wg doctor', () => {
  it('exit 0 on a repository that ignores node_modules without a slash, with a task ready to run', async () => {
    const dir = await repository({ '.gitignore': 'node_modules\n', 'README.md': '# demo\n' });
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'node_modules', '.keep'), '');
    await init(dir);
    expect(
      (await runWg(['add', 'Write a file', '--exec', 'echo hi > a.txt', '--verify', 'test -f a.txt'], { cwd: dir }))
        .exitCode,
    ).toBe(0);
    const result = await runWg(['doctor'], { cwd: dir, env });
    expect(result.stderr).toBe('');
    expect(result.exitCode, result.stdout).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^ok +backend shell: for task write-a-file: .*\/sh \(PATH\)$/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^ok +scratch worktree: made, a new file staged with node_modules linked in, removed$/),
    );
    expect(lines).toContainEqual(`ok    wg on the agent's PATH (shell): ${join(REPO_ROOT, 'bin', 'wg')}`);
    expect(lines).toContainEqual(expect.stringMatching(/^ok +graph: valid: 1 task, 1 open$/));
    expect(lines.every((line) => !/^(warn|FAIL)/.test(line))).toBe(true);
    expect(result.stdout).toMatch(/all good: wg run has what it needs$/);
    // The scratch worktree is gone, and git has no record of it.
    expect(readdirSync(join(dir, '.workgraph', 'worktrees'))).toEqual([]);
    expect((await git(dir, 'worktree', 'list')).split('\n')).toHaveLength(1);
  });

  it('exit 1, with a line and its fix for each of fourteen planted problems (--json)', async () => {
    // Whitelist-style .gitignore: new files agents write are ignored, so they would not land.
    const dir = await repository({ '.gitignore': '*\n!.gitignore\n!README.md\n', 'README.md': '# demo\n' });
    await init(
      dir,
      [
        '[backends.ghost]',
        'type = "command"',
        'argv = ["no-such-agent-xyz", "{prompt_file}"]',
        '',
        '[backends.codex]',
        'extra_args = ["--bogus-flag"]',
        '',
        '[backends.pathless]',
        'type = "command"',
        'argv = ["true"]',
        'env = { PATH = "/usr/bin:/bin" }',
        '',
      ].join('\n'),
    );
    graph(dir, [
      { id: 'design-api', exec: 'true' },
      { id: 'build-api', exec: 'true', blocked_by: ['desing-api'] },
      { id: 'ghost-task', backend: 'ghost' },
      { id: 'oat-claude', backend: 'claude' },
      { id: 'oat-api', backend: 'anthropic' },
      { id: 'codex-task', backend: 'codex' },
      { id: 'orphan' },
      { id: 'pathless-task', backend: 'pathless' },
      { id: 'checker', exec: 'true', verify: 'no-such-checker-xyz --all' },
      { id: 'elsewhere', exec: 'true', working_dir: 'no/such/dir' },
      { id: 'cyc-a', exec: 'true', blocked_by: ['cyc-b'] },
      { id: 'cyc-b', exec: 'true', blocked_by: ['cyc-a'] },
    ]);
    await staleLock(dir);
    writeFileSync(join(dir, 'README.md'), '# demo, changed and not committed\n');

    const result = await runWg(['doctor', '--json'], {
      cwd: dir,
      env: {
        ...env,
        ANTHROPIC_API_KEY: 'sk-ant-oat01-planted',
        OPENAI_API_KEY: undefined,
        // Not under the temp folder: with bubblewrap installed, doctor would warn about that too (not planted here).
        CODEX_HOME: '/nonexistent/wg-no-codex-home',
      },
    });
    expect(result.exitCode, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout) as { ok: boolean; exit_code: number; checks: Check[] };
    expect(report).toMatchObject({ ok: false, exit_code: 1 });
    const check = (name: string) => {
      const found = report.checks.find((entry) => entry.name === name);
      expect(found, `no check named "${name}" in ${report.checks.map((entry) => entry.name).join(', ')}`).toBeDefined();
      return found!;
    };
    const planted: Array<[name: string, status: Check['status'], detail: RegExp, fix: RegExp]> = [
      [
        'backend ghost',
        'fail',
        /^for task ghost-task: its program no-such-agent-xyz \(argv\[0\] under \[backends\.ghost\]\) was not found on PATH$/,
        /^install it, or put its absolute path as argv\[0\] under \[backends\.ghost\]/,
      ],
      [
        'backend claude',
        'fail',
        /ANTHROPIC_API_KEY holds an OAuth token \(sk-ant-oat…\), which Claude Code sends as an API key/,
        /^move it: export CLAUDE_CODE_OAUTH_TOKEN="\$ANTHROPIC_API_KEY"; unset ANTHROPIC_API_KEY$/,
      ],
      ['backend anthropic', 'fail', /the Anthropic API takes only API keys/, /console\.anthropic\.com/],
      [
        'backend codex flags',
        'fail',
        /refuses the flags wg passes it: error: unexpected argument '--bogus-flag' found/,
        /take the flag out of extra_args under \[backends\.codex\]/,
      ],
      [
        'backend codex credentials',
        'warn',
        /none found: needs an API key \(OPENAI_API_KEY\) or a login/,
        /codex login/,
      ],
      ['backend (none)', 'fail', /^task orphan: no backend is named/, /wg edit orphan --backend <name>/],
      [
        'task build-api',
        'fail',
        /blocked_by names "desing-api", but there is no such task/,
        /^did you mean design-api\? wg edit build-api --remove-blocked-by desing-api --blocked-by design-api$/,
      ],
      [
        'task checker verify',
        'fail',
        /runs no-such-checker-xyz, which is not on PATH/,
        /^install no-such-checker-xyz, or wg edit checker --verify/,
      ],
      [
        'task elsewhere working_dir',
        'fail',
        /^no\/such\/dir is not a folder of the project/,
        /wg edit elsewhere --working-dir ""/,
      ],
      [
        'graph cycle',
        'fail',
        /dependency cycle: cyc-a -> cyc-b -> cyc-a/,
        /^break it: wg edit cyc-a --remove-blocked-by cyc-b$/,
      ],
      [
        'uncommitted changes',
        'fail',
        /tracked files changed in your checkout of main \(README\.md\)/,
        /commit or stash them/,
      ],
      [
        "wg on the agent's PATH (pathless)",
        'fail',
        /^agents' shells should find .*\/bin\/wg first, but sh does not find it/,
        /^if env under \[backends\.pathless\] sets PATH, drop it/,
      ],
      ['graph lock', 'warn', /^stale: .*graph\.lock was left by pid \d+ on .*, which is gone/, /rm .*graph\.lock/],
      [
        'scratch worktree',
        'warn',
        /a new file \(wg-doctor-probe-\d+\.txt\) in a scratch worktree is ignored/,
        /narrow \.gitignore/,
      ],
    ];
    for (const [name, status, detail, fix] of planted) {
      const found = check(name);
      expect(found.status, name).toBe(status);
      expect(found.detail, name).toMatch(detail);
      expect(found.fix, name).toMatch(fix);
    }
    // What is fine says so, and nothing else fails.
    expect(check('backend shell').status).toBe('ok');
    expect(check('target branch')).toMatchObject({ status: 'ok', detail: 'results land on main' });
    const unplanted = report.checks.filter(
      (entry) => (entry.status === 'fail' || entry.status === 'warn') && !planted.some(([name]) => name === entry.name),
    );
    expect(unplanted).toEqual([]);
    // Looking changed nothing: the lock, the graph and the checkout are as they were.
    expect(existsSync(join(dir, '.workgraph', 'graph.lock'))).toBe(true);
    expect(await git(dir, 'status', '--porcelain', '--untracked-files=no')).toBe(' M README.md');
  });

  it('exit 2 with warnings only: no git repository, a stale lock, a verify script not written yet', async () => {
    const dir = folder();
    await init(dir);
    expect(
      (await runWg(['add', 'Check', '--id', 'check', '--exec', 'true', '--verify', './scripts/check.sh'], { cwd: dir }))
        .exitCode,
    ).toBe(0);
    await staleLock(dir);
    const result = await runWg(['doctor'], { cwd: dir, env });
    expect(result.exitCode, result.stdout).toBe(2);
    const lines = result.stdout.split('\n');
    expect(lines).toContainEqual(
      'warn  git work tree: not a git work tree: tasks run in place, without worktrees, and nothing is landed → fix: git init && git add -A && git commit -m "initial" (or set isolation = "none" under [run] to say so)',
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^warn +task check verify: `\.\/scripts\/check\.sh` runs \.\/scripts\/check\.sh, which does not exist \(yet\) → fix: create it, unless the task itself writes it/,
      ),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^warn +graph lock: stale: .* → fix: nothing is lost/));
    expect(lines.filter((line) => line.startsWith('FAIL'))).toEqual([]);
    expect(result.stdout).toMatch(/\n0 failing, 3 warnings$/);
  });

  it('exit 1 when the PostgreSQL store cannot be reached', async () => {
    const dir = folder();
    await init(dir);
    const result = await runWg(['doctor'], {
      cwd: dir,
      env: { ...env, WG_STORE_URL: 'postgres://wg@127.0.0.1:9/none' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout.split('\n')).toContainEqual(
      'FAIL  store: cannot read PostgreSQL at postgres://wg@127.0.0.1:9/none: connection refused (is the server running?) → fix: start PostgreSQL, or correct [store] url in .workgraph/config.toml (WG_STORE_URL overrides it)',
    );
    expect(result.stdout).toContain('\nskip  graph: not checked: the store could not be read');
  });

  it('exit 1 outside any project, still checking the backends', async () => {
    const result = await runWg(['doctor'], { cwd: folder(), env });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/^FAIL  project: no .* → fix: .*`wg init` creates one.*\n/);
    expect(result.stdout).toMatch(/\nskip  backend shell: /);
  });
});

describe('wg run before it pays for any agent', () => {
  it('refuses a task whose backend program is missing: the fix, the task still open, no attempt counted, no worktree', async () => {
    const dir = await repository({ 'README.md': '# demo\n' });
    await init(
      dir,
      '[defaults]\nbackend = "ghost"\nmax_retries = 3\n\n[backends.ghost]\ntype = "command"\nargv = ["no-such-agent-xyz", "{prompt_file}"]\n',
    );
    expect((await runWg(['add', 'Write the docs', '--id', 'docs'], { cwd: dir })).exitCode).toBe(0);
    expect(
      (await runWg(['add', 'Ship', '--id', 'ship', '--exec', 'true', '--blocked-by', 'docs'], { cwd: dir })).exitCode,
    ).toBe(0);
    const result = await runWg(['run'], { cwd: dir });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      'error: wg run cannot launch task docs: backend ghost: its program no-such-agent-xyz (argv[0] under [backends.ghost]) was not found on PATH; nothing was started\n' +
        'hint: install it, or put its absolute path as argv[0] under [backends.ghost] in .workgraph/config.toml (`wg doctor` checks everything)',
    );
    const docs = JSON.parse((await runWg(['show', 'docs', '--json'], { cwd: dir })).stdout) as {
      status: string;
      retry_count?: number;
      attempts?: number;
      claim?: unknown;
    };
    expect(docs.status).toBe('open');
    expect(docs.retry_count ?? 0).toBe(0);
    expect(docs.attempts ?? 0).toBe(0);
    expect(docs.claim).toBeUndefined();
    expect(existsSync(join(dir, '.workgraph', 'runs'))).toBe(false);
    expect(
      existsSync(join(dir, '.workgraph', 'worktrees')) ? readdirSync(join(dir, '.workgraph', 'worktrees')) : [],
    ).toEqual([]);
    expect((await git(dir, 'worktree', 'list')).split('\n')).toHaveLength(1);
    expect(await git(dir, 'branch', '--list', 'wg/*')).toBe('');

    // Once the program is there, the same run goes ahead.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'no-such-agent-xyz'), '#!/bin/sh\necho did the docs\n', { mode: 0o755 });
    const fixed = await runWg(['run'], { cwd: dir, env: { PATH: `${bin}:${process.env.PATH}` } });
    expect(fixed.exitCode, fixed.stdout + fixed.stderr).toBe(0);
    expect(JSON.parse((await runWg(['show', 'docs', '--json'], { cwd: dir })).stdout).status).toBe('done');
  });
});
