/**
 * Upstream changes reach a downstream prompt as diffs: a file an upstream task edited
 * arrives as the change its landed commit made (with context to place it), a file it
 * created arrives whole, and a task that names the file as an input gets it whole. Real
 * git, the built binary, default settings from `wg init`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { runWg } from '../support/wg.js';

let dir: string;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const LINES = Array.from({ length: 60 }, (_, i) => `line ${i + 1}`);

async function git(...args: string[]): Promise<string> {
  return String((await execa('git', args, { cwd: dir })).stdout);
}

async function ok(args: string[]): Promise<string> {
  const result = await runWg(args, { cwd: dir });
  if (result.exitCode !== 0)
    throw new Error(`wg ${args.join(' ')} exited ${result.exitCode}: ${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** A repository with a 60-line index.js, wg initialised with its defaults, and a command backend that only receives its prompt. */
async function project(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'wg-upstream-diffs-'));
  await git('init', '--quiet', '--initial-branch', 'main');
  await git('config', 'user.email', 'tester@example.com');
  await git('config', 'user.name', 'Tester');
  writeFileSync(join(dir, 'index.js'), `${LINES.join('\n')}\n`);
  writeFileSync(join(dir, '.gitignore'), 'node_modules\n');
  await git('add', '--all');
  await git('commit', '--quiet', '-m', 'initial');
  await ok(['init']);
  const config = join(dir, '.workgraph', 'config.toml');
  writeFileSync(config, `${readFileSync(config, 'utf8')}\n[backends.reader]\ntype = "command"\nargv = ["true"]\n`);
  await ok([
    'add',
    'Edit index',
    '--id',
    'edit-index',
    '--exec',
    "sed -i 's/^line 30$/LINE THIRTY/' index.js",
    '--deliverable',
    'index.js',
  ]);
  await ok([
    'add',
    'Add notes',
    '--id',
    'add-notes',
    '--exec',
    "printf 'fresh notes\\n' > NOTES.md",
    '--deliverable',
    'NOTES.md',
  ]);
}

const prompt = (task: string) => readFileSync(join(dir, '.workgraph', 'runs', task, '1', 'prompt.md'), 'utf8');

describe('upstream changes in a downstream prompt', () => {
  it('an edited file arrives as the diff of its landed commit, a new file whole, an input whole (default settings)', async () => {
    await project();
    await ok(['add', 'Use them', '--id', 'use-them', '--blocked-by', 'edit-index,add-notes', '--backend', 'reader']);
    await ok([
      'add',
      'Wants whole',
      '--id',
      'wants-whole',
      '--blocked-by',
      'edit-index',
      '--input',
      'index.js',
      '--backend',
      'reader',
    ]);
    const run = await runWg(['run'], { cwd: dir });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const landed = JSON.parse(await ok(['show', 'edit-index', '--json'])).landed as { commit: string };
    expect(await git('show', `${landed.commit}:index.js`)).toContain('LINE THIRTY');

    const text = prompt('use-them');
    expect(text).toContain(
      '#### `index.js` (artifact of edit-index: what edit-index changed in it, +1 -1, as a diff; the whole file is in your working directory)',
    );
    const diff = /```diff\n([\s\S]*?)\n```/.exec(text)?.[1];
    expect(diff).toBeDefined();
    // Every changed line, and enough context to place it; nothing far from the change.
    expect(diff!.split('\n')).toEqual(expect.arrayContaining(['-line 30', '+LINE THIRTY', ' line 25', ' line 35']));
    expect(text).not.toMatch(/^line 10$/m);
    expect(text).not.toMatch(/^ ?line 10$/m);
    // A file the upstream task created is shown whole.
    expect(text).toContain('#### `NOTES.md` (artifact of add-notes)\n\n```\nfresh notes\n```');
    expect(text).not.toContain('shown whole, not as what each task changed');

    // Naming the file as an input asks for all of it.
    const whole = prompt('wants-whole');
    expect(whole).toContain(
      `#### \`index.js\` (artifact of edit-index)\n\n\`\`\`\n${LINES.join('\n').replace('line 30', 'LINE THIRTY')}\n\`\`\``,
    );
    expect(whole).not.toContain('```diff');
    expect(text.length).toBeLessThan(whole.length);

    // wg context says how each artifact reaches the prompt, and --full prints it whole.
    const context = await ok(['context', 'use-them']);
    expect(context).toMatch(/index\.js +diff of [0-9a-f]{12}, \+1 -1/);
    expect(context).toMatch(/NOTES\.md +whole \(new file\)/);
    const full = await ok(['context', 'use-them', '--full']);
    expect(full).toContain('LINE THIRTY');
    expect(full).toContain('line 10');
  });

  it('without worktrees, or with upstream_changes = "whole", files are whole and the prompt says why', async () => {
    await project();
    await ok(['add', 'Use them', '--id', 'use-them', '--blocked-by', 'edit-index', '--backend', 'reader']);
    const config = join(dir, '.workgraph', 'config.toml');
    const initial = readFileSync(config, 'utf8');
    expect(initial).toMatch(/^\[run\]$/m);
    writeFileSync(config, initial.replace(/^\[run\]$/m, '[run]\nupstream_changes = "whole"'));
    await ok(['run', 'edit-index']);
    const preview = await ok(['run', '--dry-run']);
    expect(preview).toContain(
      'Upstream files are shown whole, not as what each task changed: `upstream_changes = "whole"` under [run] in config.toml.',
    );
    expect(preview).toContain('line 10');
    expect(preview).not.toContain('```diff');

    writeFileSync(config, initial);
    const inPlace = await ok(['run', '--dry-run', '--isolation', 'none']);
    expect(inPlace).toContain(
      'Upstream files are shown whole, not as what each task changed: these runs are not isolated in git worktrees',
    );
    // The dry run with worktrees shows what the real run will send: the diff.
    const isolated = await ok(['run', '--dry-run']);
    expect(isolated).toContain('+LINE THIRTY');
    expect(isolated).not.toMatch(/^line 10$/m);
  });
});

describe('on real code (sindresorhus/slugify, six tasks: the bench of bench/context-diffs.mjs)', () => {
  it('every line an upstream task changed is in the prompts after it, as diffs, not whole files', async () => {
    // @ts-expect-error: a plain .mjs benchmark module without types
    const bench = (await import('../../bench/context-diffs.mjs')) as {
      runScenario(mode: 'diff' | 'whole'): { prompts: Record<string, string>; changed: Record<string, string[]> };
      missingLines(result: unknown): string[];
    };
    const result = bench.runScenario('diff');
    expect(bench.missingLines(result)).toEqual([]);
    // The release task has five upstream tasks, four of which edited existing files: it gets four diffs and the new changelog whole.
    const release = result.prompts.release!;
    expect(release.match(/^`{3,}diff$/gm)).toHaveLength(4);
    expect(release).toContain('#### `CHANGELOG.md` (artifact of changelog)\n\n```\n# Changelog');
    // Far from every change, the original code is not repeated.
    expect(release).not.toContain('const decamelize = string => {');
  });
});
