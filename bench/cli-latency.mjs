/**
 * CLI latency: `wg ready`, `wg claim`, `wg log` and `wg add` as whole processes on
 * generated graphs of 1k, 10k and 100k tasks. Prints a table of medians and writes
 * JSON under bench/results/. Usage: node bench/cli-latency.mjs [sizes...] [--reps N]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeProject } from './generate-graph.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const wgBin = join(root, 'bin', 'wg.js');
const args = process.argv.slice(2);
const repsFlag = args.indexOf('--reps');
const reps = repsFlag >= 0 ? Number(args[repsFlag + 1]) : undefined;
const sizes = args.filter((arg, i) => /^\d+$/.test(arg) && !(repsFlag >= 0 && i === repsFlag + 1)).map(Number);
const SIZES = sizes.length > 0 ? sizes : [1_000, 10_000, 100_000];

const env = { ...process.env, NO_COLOR: '1', WG_ACTOR: 'bench', WG_TASK_ID: '', WG_TOKEN: '' };
delete env.WG_TASK_ID;
delete env.WG_TOKEN;

function wg(cwd, argv) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [wgBin, ...argv], { cwd, env, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`wg ${argv.join(' ')} failed (${result.status}): ${result.stderr}`);
  return { ms, stdout: result.stdout };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function nodeBaseline(count, baseEnv = env) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', ''], { env: baseEnv });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(times);
}

const results = {
  date: new Date().toISOString(),
  node: process.version,
  baseline_node_ms: nodeBaseline(11),
  sizes: [],
};
if (env.NODE_EXTRA_CA_CERTS)
  results.baseline_node_ms_without_extra_ca = nodeBaseline(11, { ...env, NODE_EXTRA_CA_CERTS: '' });
for (const size of SIZES) {
  const repetitions = reps ?? (size >= 100_000 ? 5 : 15);
  const dir = mkdtempSync(join(tmpdir(), `wg-bench-${size}-`));
  try {
    writeProject(dir, size);
    wg(dir, ['ready']); // the first read validates and caches the verdict, as any first use would
    const readyIds = JSON.parse(wg(dir, ['ready', '--json']).stdout).map((task) => task.id);
    if (readyIds.length < repetitions) throw new Error(`only ${readyIds.length} ready tasks at ${size}`);
    const timings = { ready: [], ready_again: [], claim: [], log: [], add: [] };
    // Alternate the commands so drift in machine load spreads over all of them. The first
    // `ready` follows a change (the `add` before it), so it parses the whole file; the
    // second finds the graph unchanged and is answered from .workgraph/cache/ready.json,
    // after checking the young file's digest.
    for (let r = 0; r < repetitions; r++) {
      timings.ready.push(wg(dir, ['ready']).ms);
      timings.ready_again.push(wg(dir, ['ready']).ms);
      timings.claim.push(wg(dir, ['claim', readyIds[r], '--actor', 'bench']).ms);
      timings.log.push(wg(dir, ['log', readyIds[r], `bench message ${r}`]).ms);
      timings.add.push(wg(dir, ['add', `Bench task ${r}`, '--blocked-by', readyIds[r]]).ms);
    }
    // A graph nobody has changed for a while (what a polling agent mostly sees): the
    // cache then vouches for the file by identity alone, without hashing it. "A while"
    // is the 2 s a file's timestamps need to tell it from a later write (file-identity.ts).
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2500);
    wg(dir, ['ready']);
    timings.ready_settled = Array.from({ length: repetitions }, () => wg(dir, ['ready']).ms);
    const medians = Object.fromEntries(
      Object.entries(timings).map(([name, values]) => [name, Math.round(median(values))]),
    );
    results.sizes.push({ tasks: size, repetitions, median_ms: medians, samples_ms: timings });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const COMMANDS = ['ready', 'ready_again', 'ready_settled', 'claim', 'log', 'add'];
const rows = results.sizes.map((s) => [s.tasks.toLocaleString('en'), ...COMMANDS.map((c) => `${s.median_ms[c]} ms`)]);
const header = [
  'tasks',
  'ready (just changed)',
  'ready (again)',
  'ready (unchanged 2 s+)',
  'wg claim',
  'wg log',
  'wg add',
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells) => cells.map((cell, i) => cell.padStart(widths[i])).join('  ');
console.log(
  `CLI latency, median of whole-process runs (node ${process.version}; bare \`node -e ""\` takes ${Math.round(results.baseline_node_ms)} ms here)`,
);
if (results.baseline_node_ms_without_extra_ca !== undefined) {
  console.log(
    `NODE_EXTRA_CA_CERTS is set: Node reads that CA bundle before any script runs; without it \`node -e ""\` takes ${Math.round(results.baseline_node_ms_without_extra_ca)} ms`,
  );
}
console.log(line(header));
for (const row of rows) console.log(line(row));
const target = results.sizes.find((s) => s.tasks === 10_000);
if (target) {
  for (const [name, key] of [
    ['right after a change', 'ready'],
    ['again at once', 'ready_again'],
    ['graph unchanged for 2 s or more', 'ready_settled'],
  ]) {
    console.log(
      `target: wg ready on 10k tasks under 150 ms (${name}): ${target.median_ms[key]} ms (${target.median_ms[key] < 150 ? 'met' : 'missed'})`,
    );
  }
}

mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const out = join(root, 'bench', 'results', `cli-latency-${results.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`results: ${out}`);
