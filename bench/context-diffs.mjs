/**
 * What upstream changes as diffs save in the prompts after them, on real code: a copy of
 * sindresorhus/slugify (bench/fixtures/slugify, MIT) as a git repository with
 * `node_modules` ignored, and six tasks that add a `maxLength` option the way an agent
 * would (bench/agents/slugify-editor.mjs): the code, its types, its tests, its docs (each
 * an edit to an existing file), a new CHANGELOG.md, and a release. The graph runs twice
 * with `wg run`'s defaults, once with `[run] upstream_changes = "diff"` (the default) and
 * once with "whole"; it prints the bytes of each downstream prompt, and checks that every
 * line each upstream task changed is in the prompts of the tasks after it.
 *
 *   node bench/context-diffs.mjs            exits 1 if a changed line is missing
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, saveResults, table, WG_BIN, wgEnv } from './lib/stats.mjs';

const FIXTURE = join(ROOT, 'bench', 'fixtures', 'slugify');
const EDITOR = join(ROOT, 'bench', 'agents', 'slugify-editor.mjs');

/** id, title, blockers, deliverables. */
export const TASKS = [
  ['add-max-length', 'Add a maxLength option', [], ['index.js']],
  ['type-max-length', 'Type the maxLength option', ['add-max-length'], ['index.d.ts']],
  ['test-max-length', 'Test the maxLength option', ['add-max-length'], ['test.js']],
  ['docs-max-length', 'Document the maxLength option', ['add-max-length', 'type-max-length'], ['readme.md']],
  ['changelog', 'Write the changelog entry', ['test-max-length', 'docs-max-length'], ['CHANGELOG.md']],
  [
    'release',
    'Release 2.3.0',
    ['changelog', 'add-max-length', 'type-max-length', 'test-max-length', 'docs-max-length'],
    ['package.json'],
  ],
];

const git = (cwd, ...args) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trimEnd();

function wg(cwd, ...args) {
  const result = spawnSync(process.execPath, [WG_BIN, ...args], { cwd, env: wgEnv(), encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`wg ${args.join(' ')} exited ${result.status}: ${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** Runs the graph on a fresh copy; returns each task's prompt and the lines each upstream task's landed commit added or removed. */
export function runScenario(mode) {
  const dir = mkdtempSync(join(tmpdir(), `wg-context-${mode}-`));
  try {
    cpSync(FIXTURE, dir, { recursive: true });
    mkdirSync(join(dir, 'node_modules', 'escape-string-regexp'), { recursive: true });
    writeFileSync(
      join(dir, 'node_modules', 'escape-string-regexp', 'package.json'),
      '{"name":"escape-string-regexp","version":"5.0.0"}\n',
    );
    git(dir, 'init', '--quiet', '--initial-branch', 'main');
    git(dir, 'config', 'user.email', 'bench@example.com');
    git(dir, 'config', 'user.name', 'Bench');
    git(dir, 'add', '--all');
    git(dir, 'commit', '--quiet', '-m', 'slugify 2.2.1');
    wg(dir, 'init', '--backend', 'command');
    const config = join(dir, '.workgraph', 'config.toml');
    let text = readFileSync(config, 'utf8');
    text = text.replace(/^\[run\]$/m, `[run]\nupstream_changes = "${mode}"`);
    text += `\n[backends.editor]\ntype = "command"\nargv = [${JSON.stringify(process.execPath)}, ${JSON.stringify(EDITOR)}]\n`;
    writeFileSync(config, text);
    for (const [id, title, blockers, deliverables] of TASKS) {
      wg(
        dir,
        'add',
        title,
        '--id',
        id,
        '--backend',
        'editor',
        ...blockers.flatMap((b) => ['--blocked-by', b]),
        ...deliverables.flatMap((d) => ['--deliverable', d]),
      );
    }
    wg(dir, 'run', '--parallel', '1');
    const prompts = {};
    const changed = {};
    for (const [id] of TASKS) {
      prompts[id] = readFileSync(join(dir, '.workgraph', 'runs', id, '1', 'prompt.md'), 'utf8');
      const landed = JSON.parse(wg(dir, 'show', id, '--json')).landed;
      changed[id] = git(dir, 'diff', '--no-color', landed.base, landed.commit)
        .split('\n')
        .filter((line) => /^[+-]/.test(line) && !/^(\+\+\+|---) /.test(line))
        .map((line) => line.slice(1))
        .filter((line) => line.trim() !== '');
    }
    return { prompts, changed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Lines an upstream task changed that a downstream prompt lacks, as `task <- upstream: line`. */
export function missingLines(result) {
  const missing = [];
  for (const [id, , blockers] of TASKS) {
    for (const blocker of blockers) {
      for (const line of result.changed[blocker])
        if (!result.prompts[id].includes(line)) missing.push(`${id} <- ${blocker}: ${line}`);
    }
  }
  return missing;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const diff = runScenario('diff');
  const whole = runScenario('whole');
  const rows = TASKS.filter(([, , blockers]) => blockers.length > 0).map(([id, , blockers]) => {
    const after = Buffer.byteLength(diff.prompts[id]);
    const before = Buffer.byteLength(whole.prompts[id]);
    return [id, blockers.length, before, after, `${Math.round((100 * after) / before)}%`];
  });
  const sum = (column) => rows.reduce((total, row) => total + row[column], 0);
  rows.push(['all downstream', '', sum(2), sum(3), `${Math.round((100 * sum(3)) / sum(2))}%`]);
  console.log(table(['task', 'upstream', 'whole files (bytes)', 'diffs (bytes)', 'diffs/whole'], rows));
  const missing = missingLines(diff);
  console.log(
    missing.length === 0
      ? 'every changed line of every upstream task is in the prompts after it'
      : `MISSING changed lines:\n${missing.join('\n')}`,
  );
  console.log(`results: ${saveResults('context-diffs', { rows, missing })}`);
  process.exitCode = missing.length === 0 ? 0 : 1;
}
