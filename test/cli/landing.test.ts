/**
 * Landing on repositories as real projects have them: `node_modules` installed and ignored
 * in every form `.gitignore` takes (or by a global excludes file, or not at all), with
 * default settings from `wg init`, through the built binary and real git. Also: a landing
 * git refuses is kept and not retried, the landed commit is recorded, and `wg diff` shows
 * an attempt's change.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/fake.js';
import { cleanEnv, runWg, WG_BIN, type WgResult, type ShownTask } from '../support/wg.js';

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** A repository as a user has one: its own files and .gitignore, `node_modules` installed (untracked), one commit on main. */
class Repo {
  constructor(
    readonly dir: string,
    private readonly env: Record<string, string> = {},
  ) {}

  async git(...args: string[]): Promise<string> {
    return String((await execa('git', args, { cwd: this.dir, env: this.env })).stdout);
  }

  wg(args: string[]): Promise<WgResult> {
    return runWg(args, { cwd: this.dir, env: this.env });
  }

  async ok(args: string[]): Promise<string> {
    const result = await this.wg(args);
    if (result.exitCode !== 0)
      throw new Error(`wg ${args.join(' ')} exited ${result.exitCode}: ${result.stdout}${result.stderr}`);
    return result.stdout;
  }

  async show(id: string): Promise<ShownTask> {
    return JSON.parse(await this.ok(['show', id, '--json'])) as ShownTask;
  }

  read(path: string): string {
    return readFileSync(join(this.dir, path), 'utf8');
  }

  /** wg's branches, by name. */
  async wgBranches(): Promise<string> {
    return this.git('branch', '--list', '--format=%(refname:short)', 'wg/*');
  }

  /** Every path on main, sorted. */
  async landedFiles(): Promise<string[]> {
    return (await this.git('ls-tree', '-r', '--name-only', 'main')).split('\n').filter(Boolean).sort();
  }
}

/** The files of a small JavaScript package, `node_modules` left to install. */
function writePackage(dir: string, gitignore: string | undefined): void {
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'demo', version: '1.0.0', type: 'commonjs', main: 'src/index.js' }, null, 2)}\n`,
  );
  mkdirSync(join(dir, 'src'));
  writeFileSync(
    join(dir, 'src', 'index.js'),
    "const pad = require('leftpad');\nmodule.exports = { greet: (name) => `hello ${pad(name, 8)}` };\n",
  );
  writeFileSync(join(dir, 'README.md'), '# demo\n');
  if (gitignore !== undefined) writeFileSync(join(dir, '.gitignore'), gitignore);
}

/** `npm install` as far as the test needs it: a real package under node_modules. */
function installDependencies(dir: string): void {
  mkdirSync(join(dir, 'node_modules', 'leftpad'), { recursive: true });
  writeFileSync(
    join(dir, 'node_modules', 'leftpad', 'package.json'),
    '{"name":"leftpad","version":"1.0.0","main":"index.js"}\n',
  );
  writeFileSync(
    join(dir, 'node_modules', 'leftpad', 'index.js'),
    "module.exports = (text, width) => String(text).padStart(width, '.');\n",
  );
  mkdirSync(join(dir, 'node_modules', '.bin'));
  writeFileSync(join(dir, 'node_modules', '.bin', 'tool'), '#!/bin/sh\necho tool\n', { mode: 0o755 });
}

async function makeRepo(gitignore: string | undefined, env: Record<string, string> = {}): Promise<Repo> {
  const repo = new Repo(scratchDir('wg-landing-'), env);
  await repo.git('init', '--quiet', '--initial-branch', 'main');
  await repo.git('config', 'user.email', 'tester@example.com');
  await repo.git('config', 'user.name', 'Tester');
  writePackage(repo.dir, gitignore);
  await repo.git('add', '--all');
  await repo.git('commit', '--quiet', '-m', 'initial');
  installDependencies(repo.dir);
  await repo.ok(['init']);
  return repo;
}

/** A task that needs the linked dependencies, edits a tracked file and adds new ones (one in a new folder). */
const REAL_EDIT = [
  `node -e "process.stdout.write(require('leftpad')('x', 3))" > padded.txt`,
  'echo "more" >> README.md',
  'mkdir -p lib && echo "module.exports = 1;" > lib/one.js',
  'test -x node_modules/.bin/tool',
].join(' && ');

const PACKAGE_FILES = ['.gitignore', 'README.md', 'package.json', 'src/index.js'];

describe('landing on a repository with node_modules installed', () => {
  it("the issue's ten-second reproduction (`node_modules` without a slash) lands its commit", async () => {
    const repo = new Repo(scratchDir('wg-ten-seconds-'));
    await repo.git('init', '--quiet', '--initial-branch', 'main');
    await repo.git('config', 'user.email', 'tester@example.com');
    await repo.git('config', 'user.name', 'Tester');
    writeFileSync(join(repo.dir, '.gitignore'), 'node_modules\n');
    mkdirSync(join(repo.dir, 'node_modules'));
    writeFileSync(join(repo.dir, 'node_modules', '.keep'), '');
    await repo.git('add', '-A');
    await repo.git('commit', '-qm', 'init');
    await repo.ok(['init']);
    await repo.ok(['add', 'Write a file', '--exec', 'echo hi > a.txt']);
    const result = await repo.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(await repo.git('show', 'main:a.txt')).toBe('hi');
    expect(repo.read('a.txt')).toBe('hi\n');
    const shown = await repo.show('write-a-file');
    expect(shown.status).toBe('done');
    expect(shown.landed?.commit).toBe(await repo.git('rev-parse', 'main'));
    expect(await repo.git('status', '--porcelain', '--untracked-files=no')).toBe('');
  });

  // Each form real projects use; the link wg makes is a symlink, which git matches as a file.
  const FORMS: Array<[string, string | undefined]> = [
    ['`node_modules` (sindresorhus, create-react-app)', 'node_modules\n'],
    ['`/node_modules`', '/node_modules\n'],
    ['`node_modules/`', 'node_modules/\n'],
    ['`/node_modules/`', '/node_modules/\n'],
    ['`**/node_modules`', '**/node_modules\n'],
    ['`node_modules*`', 'node_modules*\n'],
    ['a negation inside (`node_modules/*`, `!node_modules/local`)', 'node_modules/*\n!node_modules/local\n'],
    ['a negation of the link (`node_modules`, `!node_modules`)', 'node_modules\n!node_modules\n'],
    [
      'an allow-list (`/*`, then `!` each tracked path)',
      '/*\n!/.gitignore\n!/package.json\n!/README.md\n!/src\n!/lib\n!/padded.txt\n',
    ],
    ['no .gitignore at all', undefined],
  ];
  it.each(FORMS)("lands with .gitignore %s: the work, never wg's link", async (_form, gitignore) => {
    const repo = await makeRepo(gitignore);
    await repo.ok(['add', 'Edit', '--id', 'edit', '--exec', REAL_EDIT]);
    const result = await repo.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const expected = [
      ...PACKAGE_FILES.filter((path) => gitignore !== undefined || path !== '.gitignore'),
      'lib/one.js',
      'padded.txt',
    ].sort();
    expect(await repo.landedFiles()).toEqual(expected);
    expect(await repo.git('show', 'main:padded.txt')).toBe('..x');
    expect(await repo.git('show', 'main:README.md')).toBe('# demo\nmore');
    expect((await repo.show('edit')).landed?.commit).toBe(await repo.git('rev-parse', 'main'));
  });

  it('lands when only a global excludes file (core.excludesFile) ignores node_modules', async () => {
    const home = scratchDir('wg-home-');
    writeFileSync(join(home, 'ignore'), 'node_modules\n');
    writeFileSync(join(home, '.gitconfig'), `[core]\n\texcludesFile = ${join(home, 'ignore')}\n`);
    const repo = await makeRepo(undefined, { HOME: home, XDG_CONFIG_HOME: join(home, '.config') });
    expect(await repo.git('config', 'core.excludesFile')).toBe(join(home, 'ignore'));
    await repo.ok(['add', 'Edit', '--id', 'edit', '--exec', REAL_EDIT]);
    const result = await repo.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(await repo.landedFiles()).toEqual(['README.md', 'lib/one.js', 'package.json', 'padded.txt', 'src/index.js']);
  });

  it('lands from a project in a subfolder of its repository (a monorepo package), the root .gitignore saying `node_modules`', async () => {
    const top = new Repo(scratchDir('wg-monorepo-'));
    await top.git('init', '--quiet', '--initial-branch', 'main');
    await top.git('config', 'user.email', 'tester@example.com');
    await top.git('config', 'user.name', 'Tester');
    writeFileSync(join(top.dir, '.gitignore'), 'node_modules\n');
    const app = join(top.dir, 'packages', 'app');
    mkdirSync(app, { recursive: true });
    writePackage(app, undefined);
    await top.git('add', '--all');
    await top.git('commit', '--quiet', '-m', 'initial');
    installDependencies(app);
    const repo = new Repo(app);
    await repo.ok(['init']);
    await repo.ok(['add', 'Edit', '--id', 'edit', '--exec', REAL_EDIT]);
    const result = await repo.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(await top.landedFiles()).toEqual([
      '.gitignore',
      ...['README.md', 'lib/one.js', 'package.json', 'padded.txt', 'src/index.js'].map(
        (path) => `packages/app/${path}`,
      ),
    ]);
  });

  it("takes wg's link out again when the agent committed it itself (`git add -A` where nothing ignores it)", async () => {
    const repo = await makeRepo(undefined);
    await repo.ok([
      'add',
      'Commit',
      '--id',
      'commit',
      '--exec',
      'echo c > c.txt && git add -A && git commit -qm "agent commit" && echo d > d.txt',
    ]);
    const result = await repo.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(await repo.landedFiles()).toEqual(['README.md', 'c.txt', 'd.txt', 'package.json', 'src/index.js']);
    // The user's checkout still has its real node_modules folder, not a link.
    expect(repo.read('node_modules/leftpad/index.js')).toContain('padStart');
  });

  it('lands every task of a six-task graph on a cloned repository that ignores `node_modules` without a slash (default settings)', async () => {
    const upstream = new Repo(scratchDir('wg-upstream-'));
    await upstream.git('init', '--quiet', '--initial-branch', 'main');
    writePackage(upstream.dir, 'node_modules\ncoverage\n');
    await upstream.git('add', '--all');
    await upstream.git(
      '-c',
      'user.email=u@example.com',
      '-c',
      'user.name=Upstream',
      'commit',
      '--quiet',
      '-m',
      'initial',
    );
    const repo = new Repo(join(scratchDir('wg-clone-'), 'demo'));
    await execa('git', ['clone', '--quiet', upstream.dir, repo.dir]);
    await repo.git('config', 'user.email', 'tester@example.com');
    await repo.git('config', 'user.name', 'Tester');
    installDependencies(repo.dir);
    await repo.ok(['init']);
    const tasks: Array<[id: string, blockers: string[], exec: string]> = [
      ['core', [], `printf 'module.exports.shout = (s) => s.toUpperCase();\\n' >> src/index.js`],
      [
        'util',
        ['core'],
        `mkdir -p src/util && node -e "const p=require('leftpad'); require('fs').writeFileSync('src/util/pad.js', 'module.exports = ' + JSON.stringify(p('u', 4)) + ';\\\\n')"`,
      ],
      ['docs', [], 'echo "## Usage" >> README.md && mkdir -p docs && echo "see README" > docs/index.md'],
      [
        'manifest',
        ['core'],
        `node -e "const fs=require('fs'); const p=JSON.parse(fs.readFileSync('package.json','utf8')); p.scripts={test:'node test.js'}; fs.writeFileSync('package.json', JSON.stringify(p,null,2)+'\\\\n')"`,
      ],
      [
        'test',
        ['util', 'manifest'],
        `printf "const m = require('./src/index.js');\\nif (m.shout('a') !== 'A') process.exit(1);\\nconsole.log(require('./src/util/pad.js'));\\n" > test.js && node test.js > test-output.txt`,
      ],
      [
        'release',
        ['test', 'docs'],
        'grep -q Usage README.md && test -f docs/index.md && cat test-output.txt > RELEASE.txt && rm test-output.txt',
      ],
    ];
    for (const [id, blockers, exec] of tasks) {
      await repo.ok([
        'add',
        id,
        '--id',
        id,
        '--exec',
        exec,
        ...(blockers.length > 0 ? ['--blocked-by', blockers.join(',')] : []),
      ]);
    }
    const result = await repo.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    for (const [id] of tasks) expect((await repo.show(id)).status, id).toBe('done');
    expect(await repo.landedFiles()).toEqual([
      '.gitignore',
      'README.md',
      'RELEASE.txt',
      'docs/index.md',
      'package.json',
      'src/index.js',
      'src/util/pad.js',
      'test.js',
    ]);
    expect(await repo.git('show', 'main:RELEASE.txt')).toBe('...u');
    // One commit per task, each recorded on its task and reachable from main.
    const trailers = (
      await repo.git('log', '--format=%(trailers:key=Workgraph-Task,valueonly,separator=)', 'origin/main..main')
    )
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    expect(trailers.sort()).toEqual(tasks.map(([id]) => id).sort());
    for (const [id] of tasks) {
      const landed = (await repo.show(id)).landed!;
      expect(landed.target).toBe('main');
      expect(await repo.git('merge-base', '--is-ancestor', landed.commit, 'main').then(() => true)).toBe(true);
    }
    expect(await repo.git('status', '--porcelain', '--untracked-files=no')).toBe('');
    expect(await repo.wgBranches()).toBe('');
  }, 180_000);
});

describe('a landing git refuses', () => {
  /** Attempt 1 leaves git's index lock in its worktree, as a crashed git would: git add fails until it is removed. */
  const LOCK_ON_FIRST =
    'echo work > work.txt && echo "more" >> README.md && case "$PWD" in */1) touch "$(git rev-parse --git-path index.lock)";; esac';

  it('fails with all git said, is not retried, keeps its work; a later attempt lands without throwing it away', async () => {
    const repo = await makeRepo('node_modules\n');
    await repo.ok(['add', 'Locked', '--id', 'locked', '--exec', LOCK_ON_FIRST]);
    const result = await repo.wg(['run']);
    expect(result.exitCode).not.toBe(0);
    const shown = await repo.show('locked');
    expect(shown.status).toBe('failed');
    // git's whole message: its later lines explain the first.
    expect(shown.failure_reason).toContain('could not land the work');
    expect(shown.failure_reason).toContain("index.lock': File exists");
    expect(shown.failure_reason).toContain('Another git process seems to be running');
    expect(shown.failure_reason).toContain('on branch wg/locked/1');
    expect(shown.failure_reason).toContain('wg retry locked');
    expect(shown.log.map((entry) => entry.message).join('\n')).toContain('Another git process seems to be running');
    // Not retried although max_retries allows it: one attempt only.
    expect(shown.retry_count).toBe(1);
    expect(await repo.wgBranches()).toBe('wg/locked/1');
    expect(await repo.landedFiles()).not.toContain('work.txt');
    // The kept work is there to see.
    const kept = JSON.parse(await repo.ok(['diff', 'locked', '--json'])) as {
      source: string;
      attempt: number;
      files: Array<{ path: string; status: string }>;
    };
    expect(kept.source).toBe('kept');
    expect(kept.attempt).toBe(1);
    expect(kept.files).toEqual([
      { path: 'README.md', status: 'M', additions: 1, deletions: 0 },
      { path: 'work.txt', status: 'A', additions: 1, deletions: 0 },
    ]);

    // Once retried (attempt 2 has no lock), the work lands, and attempt 1's tree and branch are still kept.
    await repo.ok(['retry', 'locked']);
    const again = await repo.wg(['run']);
    expect(again.exitCode, again.stdout + again.stderr).toBe(0);
    expect((await repo.show('locked')).landed?.attempt).toBe(2);
    expect(await repo.git('show', 'main:work.txt')).toBe('work');
    expect(await repo.wgBranches()).toBe('wg/locked/1');
    const first = JSON.parse(await repo.ok(['diff', 'locked', '--attempt', '1', '--json'])) as {
      source: string;
      files: Array<{ path: string }>;
    };
    expect(first.source).toBe('kept');
    expect(first.files.map((file) => file.path)).toEqual(['README.md', 'work.txt']);
    // `wg worktree prune` spares work that did not land unless its task is named.
    const listed = JSON.parse(await repo.ok(['worktree', 'list', '--json'])) as Array<{
      task: string;
      attempt: number;
      state: string;
    }>;
    expect(listed.map(({ task, attempt, state }) => ({ task, attempt, state }))).toEqual([
      { task: 'locked', attempt: 1, state: 'unlanded' },
    ]);
    const pruned = await repo.ok(['worktree', 'prune']);
    expect(pruned).toContain('Nothing to prune.');
    expect(pruned).toContain(
      'Kept locked/1: its work did not land (`wg diff locked --attempt 1` shows it; `wg worktree prune --task locked` removes it)',
    );
    expect(await repo.ok(['worktree', 'prune', '--task', 'locked'])).toContain('Removed 1 worktree: locked/1');
    expect(await repo.wgBranches()).toBe('');
  });
});

describe('wg diff and the landed commit', () => {
  it('shows the landed change (patch, --stat, --json) and wg show names the commit', async () => {
    const repo = await makeRepo('node_modules\n');
    await repo.ok(['add', 'Edit', '--id', 'edit', '--exec', REAL_EDIT]);
    await repo.ok(['add', 'Nothing', '--id', 'nothing', '--exec', 'true']);
    const result = await repo.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const landed = (await repo.show('edit')).landed!;
    expect(landed.attempt).toBe(1);
    expect(landed.commit).not.toBe(landed.base);
    expect(await repo.git('rev-parse', `${landed.commit}~1`)).toBe(landed.base);

    const text = await repo.ok(['show', 'edit']);
    expect(text).toMatch(
      new RegExp(`landed: +${landed.commit} on main \\(attempt 1, from ${landed.base.slice(0, 12)}`),
    );
    const patch = await repo.ok(['diff', 'edit']);
    expect(patch).toContain(
      `edit attempt 1: landed on main as ${landed.base.slice(0, 12)}..${landed.commit.slice(0, 12)}`,
    );
    expect(patch).toContain('+++ b/lib/one.js');
    expect(patch).toContain('+more');
    expect(patch).not.toContain('node_modules');
    const stat = await repo.ok(['diff', 'edit', '--stat']);
    expect(stat).toContain('3 files changed, 3 insertions(+)');
    const json = JSON.parse(await repo.ok(['diff', 'edit', '--json'])) as {
      source: string;
      base: string;
      head: string;
      files: Array<{ path: string; status: string }>;
      patch: string;
    };
    expect(json).toMatchObject({ source: 'landed', base: landed.base, head: landed.commit });
    expect(json.files.map((file) => `${file.status} ${file.path}`)).toEqual([
      'M README.md',
      'A lib/one.js',
      'A padded.txt',
    ]);
    // The patch is whole: it applies to the commit it was made against.
    const scratch = scratchDir('wg-apply-');
    await execa('git', ['clone', '--quiet', '--no-checkout', repo.dir, scratch]);
    await execa('git', ['checkout', '--quiet', landed.base], { cwd: scratch });
    await execa('git', ['apply', '--check', '-'], { cwd: scratch, input: json.patch });

    // A task that changed nothing landed nothing, and says so.
    const nothing = (await repo.show('nothing')).landed!;
    expect(nothing.commit).toBe(nothing.base);
    expect(await repo.ok(['show', 'nothing'])).toContain('landed:        nothing: attempt 1 changed no file');
    expect(await repo.ok(['diff', 'nothing'])).toContain('No change.');
  });

  it("shows a failed attempt's uncommitted and untracked work, and refuses one line at a time what it cannot show", async () => {
    const repo = await makeRepo('node_modules\n');
    await repo.ok([
      'add',
      'Broken',
      '--id',
      'broken',
      '--max-retries',
      '0',
      '--exec',
      'echo half > half.txt && echo "more" >> README.md && exit 3',
    ]);
    await repo.ok(['add', 'Later', '--id', 'later', '--blocked-by', 'broken', '--exec', 'true']);
    await repo.wg(['run']);
    expect((await repo.show('broken')).status).toBe('failed');
    const patch = await repo.ok(['diff', 'broken']);
    expect(patch).toContain('broken attempt 1: not landed; kept in');
    expect(patch).toContain('+++ b/half.txt');
    expect(patch).toContain('+more');
    // The agent's own index is left alone: the new file is still untracked there.
    const tree = join(repo.dir, '.workgraph', 'worktrees', 'broken', '1');
    expect(String((await execa('git', ['status', '--porcelain'], { cwd: tree })).stdout)).toContain('?? half.txt');

    const noAttempt = await repo.wg(['diff', 'later']);
    expect(noAttempt.exitCode).toBe(2);
    expect(noAttempt.stderr.split('\n')[0]).toBe('error: later has no attempt yet, so it changed nothing');
    const noSuch = await repo.wg(['diff', 'broken', '--attempt', '7']);
    expect(noSuch.exitCode).toBe(1);
    expect(noSuch.stderr.trim()).toBe('error: broken has no attempt 7 (its attempts: 1)');
    const badFlag = await repo.wg(['diff', 'broken', '--attempt', 'x']);
    expect(badFlag.exitCode).not.toBe(0);
    expect(badFlag.stderr).not.toContain('    at ');

    // Run in place (no worktree): nothing to show, said in one line.
    await repo.ok(['add', 'Here', '--id', 'here', '--exec', 'echo here > here.txt']);
    expect((await repo.wg(['run', '--isolation', 'none', 'here'])).exitCode).toBe(0);
    const inPlace = await repo.wg(['diff', 'here']);
    expect(inPlace.exitCode).toBe(2);
    expect(inPlace.stderr.split('\n')[0]).toBe(
      'error: attempt 1 of here ran in place, without a git worktree, so wg has no record of its change',
    );
  });

  it("shows a running attempt's work so far", async () => {
    const repo = await makeRepo('node_modules\n');
    const signals = scratchDir('wg-signals-');
    const wait = `i=0; while [ ! -f ${signals}/go ]; do i=$((i+1)); [ $i -gt 600 ] && exit 9; sleep 0.05; done`;
    await repo.ok([
      'add',
      'Slow',
      '--id',
      'slow',
      '--exec',
      `echo draft > draft.txt && touch ${signals}/started && ${wait} && echo final > draft.txt`,
    ]);
    const run = execa('node', [WG_BIN, 'run'], { cwd: repo.dir, env: cleanEnv(), reject: false, stdin: 'ignore' });
    try {
      await waitFor(() => existsSync(join(signals, 'started')), 'the attempt to start');
      const json = JSON.parse(await repo.ok(['diff', 'slow', '--json'])) as {
        source: string;
        patch: string;
        files: Array<{ path: string }>;
      };
      expect(json.source).toBe('running');
      expect(json.files.map((file) => file.path)).toEqual(['draft.txt']);
      expect(json.patch).toContain('+draft');
    } finally {
      writeFileSync(join(signals, 'go'), '');
    }
    expect((await run).exitCode).toBe(0);
    expect(await repo.git('show', 'main:draft.txt')).toBe('final');
  });

  it('outside a git repository: one line', async () => {
    const dir = scratchDir('wg-nogit-');
    const init = await runWg(['init'], { cwd: dir });
    expect(init.exitCode).toBe(0);
    await runWg(['add', 'A', '--id', 'a', '--exec', 'true'], { cwd: dir });
    const result = await runWg(['diff', 'a'], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(
      `error: ${dir} is not a git work tree, so wg keeps no record of what a task changed`,
    );
  });
});
