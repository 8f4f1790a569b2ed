/**
 * How close `wg run` gets to the shortest possible run. Each case is a DAG of `sleep`
 * tasks whose estimates are their true durations, run by wg with its default start order
 * (the longest remaining chain first), by wg with `--order listed`, and by `make -jN` (which
 * starts targets in listed order), all with N slots. The lower bound of any schedule is
 * max(longest chain, total work / N); the figure that matters is makespan / lower bound.
 *   - example: the issue's case, 16 half-second tasks listed before a chain of five 1 s tasks, N = 2;
 *   - random-S: a layered DAG (bench/lib/dag.mjs) of --tasks tasks with durations drawn from
 *     0.2-1.5 s, seed S, N = --slots.
 * Usage: node bench/schedule.mjs [--dags 3] [--tasks 24] [--slots 3]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { layeredDag } from './lib/dag.mjs';
import { prng } from './lib/prng.mjs';
import { load, saveResults, table, timed, WG_BIN, wgEnv } from './lib/stats.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => Number(args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const dags = flag('--dags', 3);
const count = flag('--tasks', 24);
const slots = flag('--slots', 3);

/** [{ id, deps, seconds }] in listed order. */
function exampleCase() {
  const short = Array.from({ length: 16 }, (_, i) => ({ id: `s${i + 1}`, deps: [], seconds: 0.5 }));
  const chain = Array.from({ length: 5 }, (_, i) => ({ id: `c${i + 1}`, deps: i === 0 ? [] : [`c${i}`], seconds: 1 }));
  return [...short, ...chain];
}

function randomCase(seed) {
  const random = prng(seed * 7919);
  return layeredDag(count, { width: 6, seed }).map((task) => ({
    ...task,
    seconds: Math.round((0.2 + random() * 1.3) * 10) / 10,
  }));
}

function lowerBound(dag, n) {
  const finish = new Map();
  for (const task of dag) finish.set(task.id, task.seconds + Math.max(0, ...task.deps.map((dep) => finish.get(dep))));
  const longest = Math.max(...finish.values());
  const work = dag.reduce((sum, task) => sum + task.seconds, 0);
  return { longest, work, bound: Math.max(longest, work / n) };
}

function writeProject(dir, dag) {
  const lines = dag.map(({ id, deps, seconds }) =>
    JSON.stringify({
      kind: 'task',
      id,
      title: `Task ${id}`,
      status: 'open',
      exec: `sleep ${seconds}`,
      estimate: { hours: seconds / 3600 },
      ...(deps.length ? { blocked_by: deps } : {}),
    }),
  );
  writeFileSync(join(dir, '.workgraph', 'graph.jsonl'), `${lines.join('\n')}\n`);
}

function runCase(name, dag, n) {
  const dir = mkdtempSync(join(tmpdir(), 'wg-bench-schedule-'));
  try {
    timed(process.execPath, [WG_BIN, 'init'], { cwd: dir, env: wgEnv() });
    // One task per job, so the start order alone decides (trajectories would chain tasks their own way).
    writeFileSync(join(dir, '.workgraph', 'config.toml'), '[defaults]\nmax_retries = 0\n\n[run]\nmax_steps = 1\n');
    const seconds = {};
    for (const order of ['critical-path', 'listed']) {
      writeProject(dir, dag);
      rmSync(join(dir, '.workgraph', 'runs'), { recursive: true, force: true });
      seconds[`wg ${order}`] =
        timed(process.execPath, [WG_BIN, 'run', '--parallel', String(n), '--order', order], { cwd: dir, env: wgEnv() })
          .ms / 1000;
    }
    const rules = dag.map(({ id, deps, seconds: s }) => `${id}:${deps.map((d) => ` ${d}`).join('')}\n\t@sleep ${s}\n`);
    writeFileSync(
      join(dir, 'Makefile'),
      `.PHONY: all ${dag.map((t) => t.id).join(' ')}\nall: ${dag.map((t) => t.id).join(' ')}\n${rules.join('')}`,
    );
    seconds.make = timed('make', ['-s', `-j${n}`, '-f', join(dir, 'Makefile'), 'all'], { cwd: dir }).ms / 1000;
    const { longest, work, bound } = lowerBound(dag, n);
    return { name, tasks: dag.length, slots: n, longest, work, bound, seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cases = [
  runCase('example', exampleCase(), 2),
  ...Array.from({ length: dags }, (_, i) => runCase(`random-${i + 1}`, randomCase(i + 1), slots)),
];
const runners = Object.keys(cases[0].seconds);
console.log(
  table(
    ['case', 'tasks', 'N', 'lower bound s', ...runners.map((runner) => `${runner} s (ratio)`)],
    cases.map((c) => [
      c.name,
      c.tasks,
      c.slots,
      c.bound.toFixed(2),
      ...runners.map((runner) => `${c.seconds[runner].toFixed(2)} (${(c.seconds[runner] / c.bound).toFixed(2)})`),
    ]),
  ),
);
console.log(`load ${load()}; wg's figures include its own start-up (~0.2 s) and per-task overhead`);
console.log(`results: ${saveResults('schedule', { cases, load: load() })}`);
