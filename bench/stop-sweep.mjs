/**
 * What a stop's sweep for marked processes costs (src/process/marked.ts): one sweep of /proc
 * with the machine's processes as they are, and with `--extra` idle processes more; then a
 * whole stop (src/process/terminate.ts) of a tree whose grandchild moved to a session of its
 * own and ignores SIGTERM, from the stop to nothing of the tree left, with a 200 ms grace.
 * Uses the build in dist/.
 * Usage: node bench/stop-sweep.mjs [--extra 200] [--reps 200] [--stops 5]
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { load, median, ROOT, saveResults, table } from './lib/stats.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => Number(args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const extra = flag('--extra', 200);
const reps = flag('--reps', 200);
const stops = flag('--stops', 5);
const fromDist = (file) => import(pathToFileURL(join(ROOT, 'dist', 'process', file)).href);
const { markedProcesses, newMark } = await fromDist('marked.js');
const { spawnDirect } = await fromDist('direct.js');

const processes = () => readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).length;

function sweepMs() {
  const mark = newMark();
  for (let i = 0; i < 10; i++) markedProcesses(mark);
  const times = [];
  for (let i = 0; i < reps; i++) {
    const started = process.hrtime.bigint();
    markedProcesses(mark);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(times);
}

/** One stop: the child prints once its grandchild has left for a session of its own; resolves with the stop's ms. */
function stopOnce() {
  return new Promise((resolve, reject) => {
    const grandchild = `setsid sh -c 'trap "" TERM; while :; do sleep 0.2; done' >/dev/null 2>&1 & echo started; sleep 30`;
    const child = spawnDirect({ file: 'sh', args: ['-c', grandchild], cwd: ROOT, env: { PATH: process.env.PATH } });
    child.on('data', async () => {
      const started = process.hrtime.bigint();
      await child.killTree(200);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const left = markedProcesses(child.mark);
      if (left.length > 0) reject(new Error(`the stop left ${left.length} marked processes`));
      else resolve(ms);
    });
  });
}

const rows = [];
const results = { load: load(), sweeps: [], stopMs: undefined };
let count = processes();
let ms = sweepMs();
rows.push([count, ms.toFixed(2), ((ms / count) * 1000).toFixed(1)]);
results.sweeps.push({ processes: count, ms });
const idle = Array.from({ length: extra }, () => spawn('sleep', ['120'], { stdio: 'ignore' }));
try {
  count = processes();
  ms = sweepMs();
  rows.push([count, ms.toFixed(2), ((ms / count) * 1000).toFixed(1)]);
  results.sweeps.push({ processes: count, ms });
} finally {
  for (const sleeper of idle) sleeper.kill('SIGKILL');
}
const stopTimes = [];
for (let i = 0; i < stops; i++) stopTimes.push(await stopOnce());
results.stopMs = median(stopTimes);

console.log(`load ${results.load}`);
console.log(table(['processes', 'ms per sweep', 'µs per process'], rows));
console.log(
  `a stop of a tree with a setsid grandchild ignoring SIGTERM, grace 200 ms: ${results.stopMs.toFixed(0)} ms (median of ${stops}), nothing left`,
);
console.log(saveResults('stop-sweep', results));
