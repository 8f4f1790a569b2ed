#!/usr/bin/env node
/**
 * `npm run demo [-- wg run options]`: copy sandbox/ to a fresh temporary folder, run
 * `wg run` there (the live view on a terminal), then say where to look. The repo's
 * sandbox/ is never run in place, so it never collects run directories or a lock, and
 * every demo starts from the same graph.
 *
 * Exit code: `wg run` exits 1 in this demo, because one task is designed to overrun its
 * timeout (it is tagged `expected-timeout`). The demo exits 0 when that is the only
 * thing not done, so `npm run demo && npm test` works; otherwise it exits with wg
 * run's code. Any arguments go to `wg run`, e.g. `npm run demo -- --backend claude`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pc from 'picocolors';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SANDBOX = join(REPO, 'sandbox');
const WG = join(REPO, 'bin', 'wg.js');
const EXPECTED_TIMEOUT_TAG = 'expected-timeout';
/** What a run leaves in .workgraph (should someone have run wg inside sandbox/ itself), and the graph's authoring script. */
const NOT_COPIED = /^(\.workgraph\/(runs|cache|logs)|\.workgraph\/graph\.(lock|jsonl\.)|make-graph\.sh$)/;

function newestSourceChange(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return newest;
}

/** Every build rewrites the bundle, so a dist/wg.mjs older than any source means dist/ is stale. */
function buildIfNeeded() {
  const built = join(REPO, 'dist', 'wg.mjs');
  if (existsSync(built) && statSync(built).mtimeMs >= newestSourceChange(join(REPO, 'src'))) return;
  console.log(
    pc.dim(existsSync(built) ? 'dist/ is older than src/: building first' : 'dist/ is missing: building first'),
  );
  // Under npm, npm_execpath is npm's own script: no guessing which npm is on PATH.
  const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
  const build = spawnSync(npm[0], [...npm.slice(1), 'run', 'build'], { cwd: REPO, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

function readGraph(dir) {
  return readFileSync(join(dir, '.workgraph', 'graph.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

/** The attempt directory holding the prompt with the most upstream artifacts inlined: the best example of what flows downstream. */
function richestPrompt(dir, tasks) {
  let best;
  for (const task of tasks) {
    const prompt = join(dir, '.workgraph', 'runs', task.id, String(task.attempts ?? 1), 'prompt.md');
    if (!existsSync(prompt)) continue;
    const inlined = readFileSync(prompt, 'utf8').split('(artifact of ').length - 1;
    if (!best || inlined > best.inlined) best = { task: task.id, prompt, inlined };
  }
  return best;
}

function runWg(dir, args) {
  // Lease variables from an enclosing agent session must not leak into the demo's wg.
  const env = { ...process.env };
  for (const name of ['WG_DIR', 'WG_TASK_ID', 'WG_TOKEN', 'WG_ACTOR', 'WG_ATTEMPT']) delete env[name];
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [WG, 'run', ...args], { cwd: dir, stdio: 'inherit', env });
    // Ctrl-C reaches wg too (same process group): let it stop its agents and print its summary first.
    const ignore = () => {};
    process.on('SIGINT', ignore);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', ignore);
      resolvePromise(code ?? (signal ? 128 : 1));
    });
  });
}

function whereToLook(dir, tasks) {
  const command = (text, what) => `  ${text.padEnd(52)} ${pc.dim(what)}`;
  const retried = tasks.find((task) => task.kind === 'task' && task.status === 'done' && (task.attempts ?? 1) > 1);
  const failed = tasks.find((task) => task.kind === 'task' && task.status === 'failed');
  const example = richestPrompt(
    dir,
    tasks.filter((task) => task.kind === 'task'),
  );
  console.log();
  console.log(pc.bold(`Look around: the copy stays in ${dir}`));
  console.log(command(`cd ${dir}`, ''));
  console.log(command(`alias wg="node ${WG}"`, 'or run `npm link` once in the repo'));
  console.log(command('wg list', 'every task and its final status'));
  if (retried)
    console.log(command(`wg show ${retried.id}`, `failed its first attempt, passed on attempt ${retried.attempts}`));
  if (failed) console.log(command(`wg log ${failed.id}`, failed.failure_reason ?? 'failed'));
  console.log(command('wg graph', 'the dependency graph, drawn'));
  if (example) {
    const runDir = relative(dir, dirname(example.prompt));
    console.log(command(`ls ${runDir}/`, 'a run directory: prompt.md, command.json, output.log, events.jsonl'));
    console.log(
      command(
        `less ${relative(dir, example.prompt)}`,
        `the prompt ${example.task} received, ${example.inlined} upstream artifacts inlined`,
      ),
    );
  }
  console.log(command('cat docs/guide.md', 'what the agents wrote'));
}

buildIfNeeded();
const args = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'wg-demo-'));
cpSync(SANDBOX, dir, {
  recursive: true,
  filter: (path) => !NOT_COPIED.test(relative(SANDBOX, path).split('\\').join('/')),
});
const taskCount = readGraph(dir).filter((record) => record.kind === 'task').length;
console.log(pc.bold(`wg demo: a fresh copy of sandbox/ in ${dir}`));
console.log(
  args.includes('--backend')
    ? pc.dim(`${taskCount} tasks; wg run ${args.join(' ')}: every task goes to that backend`)
    : pc.dim(
        `${taskCount} tasks, two actors (coder, writer); their agents are the offline stand-in scripts in agents/`,
      ),
);
console.log();

const code = await runWg(dir, args);
const tasks = readGraph(dir);
whereToLook(dir, tasks);

const unfinished = tasks.filter((task) => task.kind === 'task' && task.status !== 'done');
const unexpected = unfinished.filter(
  (task) => !(task.status === 'failed' && (task.tags ?? []).includes(EXPECTED_TIMEOUT_TAG)),
);
console.log();
if (code === 130) process.exit(130);
if (unexpected.length > 0) {
  console.log(
    pc.red(
      `Not as designed: ${unexpected.map((task) => `${task.id} is ${task.status}`).join(', ')}. wg run exited ${code}.`,
    ),
  );
  process.exit(code || 1);
}
if (unfinished.length > 0) {
  console.log(
    `As designed: every task is done except ${unfinished.map((task) => task.id).join(', ')}, killed at its timeout on purpose; that is why wg run exited ${code}.`,
  );
} else {
  console.log('Every task is done.');
}
