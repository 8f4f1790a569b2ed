/**
 * Runner overhead and scaling: the same layered DAG of `true` tasks run three ways,
 * alternating within each repetition so drift in machine load hits all three alike:
 *   wg    `wg run --parallel P --max-steps 1` on a fresh copy of the project
 *   floor bench/floor-runner.mjs: bare Node spawns in dependency order, P at a time
 *   make  GNU `make -jP` on the equivalent Makefile
 * Usage: node bench/runner-overhead.mjs [--sizes 100,1000,10000] [--reps N] [--parallel 8]
 * Prints a table and writes bench/results/runner-overhead-*.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { layeredDag, writeMakefile, writeWgProject } from './lib/dag.mjs';
import { load, median, ROOT, saveResults, statusCounts, table, timed, WG_BIN, wgEnv } from './lib/stats.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const sizes = flag('--sizes', '100,1000,10000').split(',').map(Number);
const parallel = Number(flag('--parallel', '8'));
/** Fewer repetitions for the big sizes: one 10k wg run takes about as long as ten 1k ones. */
const repsFor = (size) => Number(flag('--reps', size >= 10_000 ? 1 : size >= 1_000 ? 5 : 7));

function runWg(dag) {
  const dir = mkdtempSync(join(tmpdir(), 'wg-bench-run-'));
  try {
    writeWgProject(dir, dag);
    const { ms } = timed(process.execPath, [WG_BIN, 'run', '--parallel', String(parallel), '--max-steps', '1'], { cwd: dir, env: wgEnv() });
    const counts = statusCounts(join(dir, '.workgraph', 'graph.jsonl'));
    if (counts.done !== dag.length) throw new Error(`wg run left ${JSON.stringify(counts)}`);
    return ms;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = { date: new Date().toISOString(), node: process.version, parallel, load_before: load(), sizes: [] };
for (const size of sizes) {
  const dag = layeredDag(size);
  const dir = mkdtempSync(join(tmpdir(), 'wg-bench-dag-'));
  const dagFile = join(dir, 'dag.json');
  writeFileSync(dagFile, JSON.stringify(dag));
  writeMakefile(join(dir, 'Makefile'), dag);
  const ways = {
    wg: () => runWg(dag),
    floor: () => timed(process.execPath, [join(ROOT, 'bench', 'floor-runner.mjs'), dagFile, String(parallel)]).ms,
    make: () => timed('make', ['-s', `-j${parallel}`, '-f', join(dir, 'Makefile')], { cwd: dir }).ms,
  };
  const samples = { wg: [], floor: [], make: [] };
  const reps = repsFor(size);
  const loads = [];
  for (let r = 0; r < reps; r++) {
    // Rotate the order too, so no way always runs first (warm caches) or last.
    const order = Object.keys(ways);
    for (let k = 0; k < r % order.length; k++) order.push(order.shift());
    for (const way of order) samples[way].push(ways[way]());
    loads.push(load());
  }
  rmSync(dir, { recursive: true, force: true });
  const m = Object.fromEntries(Object.entries(samples).map(([way, values]) => [way, Math.round(median(values))]));
  const entry = {
    tasks: size,
    repetitions: reps,
    median_ms: m,
    wg_over_floor: +(m.wg / m.floor).toFixed(2),
    floor_over_make: +(m.floor / m.make).toFixed(2),
    wg_over_make: +(m.wg / m.make).toFixed(2),
    per_task_ms: { wg: +(m.wg / size).toFixed(3), floor: +(m.floor / size).toFixed(3), make: +(m.make / size).toFixed(3), wg_minus_floor: +((m.wg - m.floor) / size).toFixed(3) },
    load_1min: loads,
    samples_ms: samples,
  };
  results.sizes.push(entry);
  console.error(`  ${size} tasks: wg ${m.wg} ms, floor ${m.floor} ms, make ${m.make} ms (load ${loads.join(', ')})`);
}

const byTasks = (n) => results.sizes.find((s) => s.tasks === n);
console.log(`Runner overhead: layered DAG of \`true\` tasks, --parallel ${parallel}, medians (node ${process.version}, load before ${results.load_before})`);
console.log(
  table(
    ['tasks', 'reps', 'wg', 'floor', 'make', 'wg/floor', 'floor/make', 'wg ms/task', 'floor ms/task'],
    results.sizes.map((s) => [s.tasks, s.repetitions, `${s.median_ms.wg} ms`, `${s.median_ms.floor} ms`, `${s.median_ms.make} ms`, `${s.wg_over_floor}x`, `${s.floor_over_make}x`, s.per_task_ms.wg, s.per_task_ms.floor]),
  ),
);
const k1 = byTasks(1000);
const k10 = byTasks(10_000);
if (k1) console.log(`target: wg within 1.5x of the floor at 1k tasks: ${k1.wg_over_floor}x (${k1.wg_over_floor <= 1.5 ? 'met' : 'missed'})`);
if (k1 && k10) {
  const growth = +(k10.per_task_ms.wg / k1.per_task_ms.wg).toFixed(2);
  results.per_task_growth_10k_over_1k = growth;
  console.log(`target: per-task time at 10k within 1.5x of 1k: ${growth}x (${growth <= 1.5 ? 'met' : 'missed'})`);
}
console.log(`results: ${saveResults('runner-overhead', results)}`);
