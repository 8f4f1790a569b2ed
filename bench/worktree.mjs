/**
 * What worktree isolation costs. On a git repository of --files files (default 1,000,
 * about 1 KB each in nested folders):
 *   - `git worktree add` of a fresh branch (what each attempt pays), and its removal;
 *   - three ways to give a worktree the checkout's node_modules (--modules files): the
 *     symlink wg makes by default, a hard-link copy (`cp -al`), and a full copy (`cp -a`);
 *   - a whole `wg run` of --tasks tasks running `true`, isolated against `--isolation none`,
 *     so the per-task overhead of isolation (worktree, commit, landing) shows.
 * Usage: node bench/worktree.mjs [--files 1000] [--modules 5000] [--tasks 20] [--reps 5]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, median, saveResults, table, timed, WG_BIN, wgEnv } from './lib/stats.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => Number(args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const files = flag('--files', 1000);
const modules = flag('--modules', 5000);
const tasks = flag('--tasks', 20);
const reps = flag('--reps', 5);

const git = (cwd, ...gitArgs) => {
  const result = spawnSync('git', gitArgs, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${gitArgs.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
};

/** `count` files of ~1 KB in folders of 50, under `dir`. */
function writeTree(dir, count, prefix) {
  for (let i = 0; i < count; i++) {
    const folder = join(dir, `${prefix}${Math.floor(i / 50)}`);
    if (i % 50 === 0) mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `f${i}.js`), `// file ${i}\n${'x'.repeat(1000)}\n`);
  }
}

function repository(root) {
  git(root, 'init', '--quiet', '--initial-branch', 'main');
  git(root, 'config', 'user.email', 'bench@example.com');
  git(root, 'config', 'user.name', 'bench');
  writeTree(join(root, 'src'), files, 'd');
  writeFileSync(join(root, '.gitignore'), 'node_modules/\n');
  git(root, 'add', '.');
  git(root, 'commit', '--quiet', '-m', 'a repository to isolate');
  writeTree(join(root, 'node_modules'), modules, 'pkg');
}

const root = mkdtempSync(join(tmpdir(), 'wg-bench-worktree-'));
try {
  repository(root);
  const add = [];
  const remove = [];
  const link = { symlink: [], 'hard-link copy': [], 'full copy': [] };
  for (let rep = 0; rep < reps; rep++) {
    const tree = join(root, '.trees', `t${rep}`);
    add.push(timed('git', ['worktree', 'add', '--quiet', '-b', `b${rep}`, tree, 'main'], { cwd: root }).ms);
    let started = process.hrtime.bigint();
    symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'));
    link.symlink.push(Number(process.hrtime.bigint() - started) / 1e6);
    rmSync(join(tree, 'node_modules'));
    link['hard-link copy'].push(timed('cp', ['-al', join(root, 'node_modules'), join(tree, 'node_modules')]).ms);
    rmSync(join(tree, 'node_modules'), { recursive: true });
    link['full copy'].push(timed('cp', ['-a', join(root, 'node_modules'), join(tree, 'node_modules')]).ms);
    remove.push(timed('git', ['worktree', 'remove', '--force', tree], { cwd: root }).ms);
    git(root, 'branch', '-D', `b${rep}`);
  }

  // Whole runs: the same graph of `true` tasks, isolated and in place, alternating.
  const run = { worktree: [], none: [] };
  for (let rep = 0; rep < Math.max(2, Math.ceil(reps / 2)); rep++) {
    for (const mode of ['worktree', 'none']) {
      rmSync(join(root, '.workgraph'), { recursive: true, force: true });
      timed(process.execPath, [WG_BIN, 'init'], { cwd: root, env: wgEnv() });
      for (let i = 0; i < tasks; i++)
        timed(process.execPath, [WG_BIN, 'add', `t${i}`, '--exec', 'true'], { cwd: root, env: wgEnv() });
      run[mode].push(
        timed(process.execPath, [WG_BIN, 'run', '--isolation', mode, '--parallel', '4'], { cwd: root, env: wgEnv() })
          .ms,
      );
    }
  }

  const rows = [
    [
      'git worktree add',
      `${files} files`,
      median(add).toFixed(0),
      Math.min(...add).toFixed(0),
      Math.max(...add).toFixed(0),
    ],
    [
      'git worktree remove',
      `${files} files`,
      median(remove).toFixed(0),
      Math.min(...remove).toFixed(0),
      Math.max(...remove).toFixed(0),
    ],
    ...Object.entries(link).map(([how, times]) => [
      `node_modules: ${how}`,
      `${modules} files`,
      median(times).toFixed(1),
      Math.min(...times).toFixed(1),
      Math.max(...times).toFixed(1),
    ]),
    ...Object.entries(run).map(([mode, times]) => [
      `wg run --isolation ${mode}`,
      `${tasks} tasks`,
      median(times).toFixed(0),
      Math.min(...times).toFixed(0),
      Math.max(...times).toFixed(0),
    ]),
  ];
  console.log(table(['what', 'size', 'median ms', 'min', 'max'], rows));
  const perTask = (median(run.worktree) - median(run.none)) / tasks;
  console.log(
    `isolation adds ${perTask.toFixed(0)} ms per task (median run difference / ${tasks} tasks, 4 in parallel); load ${load()}`,
  );
  console.log(
    `results: ${saveResults('worktree', { files, modules, tasks, reps, add, remove, link, run, perTaskMs: perTask, load: load() })}`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
