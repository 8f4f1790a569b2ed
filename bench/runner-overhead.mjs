/**
 * Runner overhead and scaling: the same layered DAG of `true` tasks run three ways,
 * alternating within each repetition so drift in machine load hits all three alike:
 *   wg    `wg run --parallel P --max-steps 1` on a fresh copy of the project
 *   floor bench/floor-runner.mjs: bare Node spawns in dependency order, P at a time
 *   floor+files  the same, plus the run files wg must keep per attempt (runs/<task>/1/
 *         with command.json, output.log fed by pipes, events.jsonl): what is left
 *         between it and wg is wg's own bookkeeping
 *   make  GNU `make -jP` on the equivalent Makefile
 * Usage: node bench/runner-overhead.mjs [--sizes 100,1000,10000] [--reps N] [--parallel 8]
 *        [--time-box S] [--full]
 * A whole 10k-task wg run takes about 10 minutes here, so from 10k tasks up the wg run
 * is stopped (SIGTERM: a clean interrupt) after --time-box seconds (default 60) and
 * timed per completed task, its total extrapolated; --full runs it to the end.
 * Prints a table and writes bench/results/runner-overhead-*.json.
 */
import { spawnSync } from 'node:child_process';
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
const timeBoxMs = args.includes('--full') ? undefined : Number(flag('--time-box', '60')) * 1000;
/** Set when a wg run was time-boxed: tasks done, and the time they took. */
const boxed = new Map();

/**
 * Run folders are deleted only after the last measurement. On ext4 without a journal
 * (these machines) every new inode is placed by scanning past inodes deleted in the
 * last ~35 s, so deleting one run's 5,000 files right before the next run would slow
 * that run by what the benchmark itself did, not by anything wg does.
 */
const leftovers = [];
const scratchDir = (prefix) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  leftovers.push(dir);
  return dir;
};
process.on('exit', () => leftovers.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function runWg(dag) {
  const dir = scratchDir('wg-bench-run-');
  const box = dag.length >= 10_000 ? timeBoxMs : undefined;
  writeWgProject(dir, dag);
  const argv = [WG_BIN, 'run', '--parallel', String(parallel), '--max-steps', '1'];
  if (box === undefined) {
    const { ms } = timed(process.execPath, argv, { cwd: dir, env: wgEnv() });
    const counts = statusCounts(join(dir, '.workgraph', 'graph.jsonl'));
    if (counts.done !== dag.length) throw new Error(`wg run left ${JSON.stringify(counts)}`);
    return ms;
  }
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, argv, {
    cwd: dir,
    env: wgEnv(),
    stdio: 'ignore',
    timeout: box,
    killSignal: 'SIGTERM',
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const done = statusCounts(join(dir, '.workgraph', 'graph.jsonl')).done ?? 0;
  if (done === 0) throw new Error(`time-boxed wg run finished no task (exit ${result.status ?? result.signal})`);
  boxed.set(dag.length, { done, ms: Math.round(ms) });
  // Stopped early: the total a whole run would take at the rate observed.
  return done === dag.length ? ms : (ms / done) * dag.length;
}

/** The floor plus the run files wg must keep per attempt (see floor-runner.mjs --io). */
function runFloorWithFiles(dagFile) {
  const dir = scratchDir('wg-bench-floor-io-');
  return timed(process.execPath, [join(ROOT, 'bench', 'floor-runner.mjs'), dagFile, String(parallel), '--io', dir]).ms;
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
    floor_io: () => runFloorWithFiles(dagFile),
    make: () => timed('make', ['-s', `-j${parallel}`, '-f', join(dir, 'Makefile')], { cwd: dir }).ms,
  };
  const samples = { wg: [], floor: [], floor_io: [], make: [] };
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
    wg_over_floor_io: +(m.wg / m.floor_io).toFixed(2),
    floor_over_make: +(m.floor / m.make).toFixed(2),
    wg_over_make: +(m.wg / m.make).toFixed(2),
    per_task_ms: {
      wg: +(m.wg / size).toFixed(3),
      floor: +(m.floor / size).toFixed(3),
      floor_io: +(m.floor_io / size).toFixed(3),
      make: +(m.make / size).toFixed(3),
      wg_minus_floor: +((m.wg - m.floor) / size).toFixed(3),
    },
    load_1min: loads,
    samples_ms: samples,
    ...(boxed.has(size)
      ? {
          wg_time_boxed: {
            ...boxed.get(size),
            note: 'wg run stopped early; its total is extrapolated from the tasks it finished',
          },
        }
      : {}),
  };
  results.sizes.push(entry);
  console.error(
    `  ${size} tasks: wg ${m.wg} ms, floor ${m.floor} ms, floor+files ${m.floor_io} ms, make ${m.make} ms (load ${loads.join(', ')})`,
  );
}

const byTasks = (n) => results.sizes.find((s) => s.tasks === n);
console.log(
  `Runner overhead: layered DAG of \`true\` tasks, --parallel ${parallel}, medians (node ${process.version}, load before ${results.load_before})`,
);
console.log(
  table(
    [
      'tasks',
      'reps',
      'wg',
      'floor',
      'floor+files',
      'make',
      'wg/floor',
      'wg/floor+files',
      'floor/make',
      'wg ms/task',
      'floor ms/task',
    ],
    results.sizes.map((s) => [
      s.tasks,
      s.repetitions,
      `${s.wg_time_boxed ? '~' : ''}${s.median_ms.wg} ms`,
      `${s.median_ms.floor} ms`,
      `${s.median_ms.floor_io} ms`,
      `${s.median_ms.make} ms`,
      `${s.wg_over_floor}x`,
      `${s.wg_over_floor_io}x`,
      `${s.floor_over_make}x`,
      s.per_task_ms.wg,
      s.per_task_ms.floor,
    ]),
  ),
);
for (const s of results.sizes.filter((s) => s.wg_time_boxed))
  console.log(
    `~ ${s.tasks} tasks: wg run time-boxed, ${s.wg_time_boxed.done} tasks done in ${s.wg_time_boxed.ms} ms, total extrapolated (--full runs it to the end)`,
  );
const k1 = byTasks(1000);
const k10 = byTasks(10_000);
if (k1)
  console.log(
    `target (issue 13): wg within 2.5x of the floor at 1k tasks: ${k1.wg_over_floor}x (${k1.wg_over_floor <= 2.5 ? 'met' : 'missed'})`,
  );
if (k1 && k10) {
  const growth = +(k10.per_task_ms.wg / k1.per_task_ms.wg).toFixed(2);
  results.per_task_growth_10k_over_1k = growth;
  const how = boxed.has(10_000) ? ', extrapolated from a time-boxed run: --full measures it' : '';
  console.log(
    `target (issue 13): per-task time at 10k within 1.3x of 1k: ${growth}x (${growth <= 1.3 ? 'met' : 'missed'}${how})`,
  );
}
console.log(`results: ${saveResults('runner-overhead', results)}`);
