/**
 * Output streaming: one task whose command writes MB megabytes of 100-byte lines to
 * stdout, run by `wg run` (which tees it to runs/<task>/1/output.log and parses it
 * line by line), against the same producer piped through `cat > file`. Reports
 * throughput and the peak RSS of each (GNU time's %M: the largest resident set of
 * the process or any child it waited for, which here is the Node runner).
 * Usage: node bench/output-streaming.mjs [--mb 500] [--reps 2]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWgProject } from './lib/dag.mjs';
import { load, median, saveResults, statusCounts, table, timed, WG_BIN, wgEnv } from './lib/stats.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const mb = Number(flag('--mb', '500'));
const reps = Number(flag('--reps', '2'));
const bytes = mb * 1_000_000;
const producer = `yes '${'x'.repeat(99)}' | head -c ${bytes}`;

/** Runs `file args` under /usr/bin/time; returns wall ms and peak RSS in MB. */
function measured(file, fileArgs, options) {
  const run = timed('/usr/bin/time', ['-f', 'peak-rss-kb=%M', file, ...fileArgs], options);
  const kb = Number(/peak-rss-kb=(\d+)/.exec(run.stderr)?.[1]);
  return { ms: run.ms, rssMb: Math.round(kb / 1024) };
}

function viaWg() {
  const dir = mkdtempSync(join(tmpdir(), 'wg-bench-stream-'));
  try {
    writeWgProject(dir, [{ id: 'loud', deps: [] }], producer);
    const result = measured(process.execPath, [WG_BIN, 'run'], { cwd: dir, env: wgEnv() });
    if (statusCounts(join(dir, '.workgraph', 'graph.jsonl')).done !== 1)
      throw new Error('the streaming task did not finish');
    const logged = statSync(join(dir, '.workgraph', 'runs', 'loud', '1', 'output.log')).size;
    if (logged !== bytes) throw new Error(`output.log holds ${logged} bytes, expected ${bytes}`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function viaCat() {
  const dir = mkdtempSync(join(tmpdir(), 'wg-bench-cat-'));
  try {
    return measured('sh', ['-c', `${producer} | cat > ${join(dir, 'out')}`], {});
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const samples = { wg: [], cat: [] };
const loads = [];
for (let r = 0; r < reps; r++) {
  const order = r % 2 ? ['cat', 'wg'] : ['wg', 'cat'];
  for (const way of order) samples[way].push(way === 'wg' ? viaWg() : viaCat());
  loads.push(load());
}
const summary = Object.fromEntries(
  Object.entries(samples).map(([way, runs]) => {
    const ms = median(runs.map((run) => run.ms));
    return [
      way,
      {
        median_ms: Math.round(ms),
        mb_per_s: Math.round(mb / (ms / 1000)),
        peak_rss_mb: Math.max(...runs.map((run) => run.rssMb)),
      },
    ];
  }),
);
const results = {
  date: new Date().toISOString(),
  megabytes: mb,
  repetitions: reps,
  load_1min: loads,
  ...summary,
  samples,
};
console.log(`Output streaming: ${mb} MB of 100-byte lines on stdout (load ${loads.join(', ')})`);
console.log(
  table(
    ['way', 'time', 'MB/s', 'peak RSS'],
    Object.entries(summary).map(([way, s]) => [
      way === 'wg' ? 'wg run' : 'cat > file',
      `${s.median_ms} ms`,
      s.mb_per_s,
      `${s.peak_rss_mb} MB`,
    ]),
  ),
);
console.log(`wg throughput is ${(summary.wg.mb_per_s / summary.cat.mb_per_s).toFixed(2)}x of cat's`);
console.log(`results: ${saveResults('output-streaming', results)}`);
