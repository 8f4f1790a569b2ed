/**
 * The file store against PostgreSQL, on the same work:
 *   claims   W processes (bench/lib/claim-worker.mjs) racing for --claims of T ready tasks
 *            through whole `wg ready` / `wg claim` processes; claims per second, and a
 *            check that no task was claimed twice
 *   runner   `wg run --parallel P --max-steps 1` over a layered DAG of N `true` tasks,
 *            the two stores alternating within each repetition
 * PostgreSQL is the machine's server (WG_BENCH_PG, default postgres://postgres@127.0.0.1:5432),
 * in a database made for each measurement and dropped after it.
 * Usage: node bench/store-compare.mjs [--tasks 1000] [--workers 8] [--claims 160] [--reps 3] [--parallel 8]
 * Prints a table and writes bench/results/store-compare-*.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { layeredDag, writeWgProject } from './lib/dag.mjs';
import { load, median, ROOT, saveResults, table, timed, WG_BIN, wgEnv } from './lib/stats.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const tasks = Number(flag('--tasks', '1000'));
const workers = Number(flag('--workers', '8'));
const claims = Number(flag('--claims', '160'));
const reps = Number(flag('--reps', '3'));
const parallel = Number(flag('--parallel', '8'));
const PG = process.env.WG_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432';

const folders = [];
const scratch = (prefix) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  folders.push(dir);
  return dir;
};
const databases = [];

async function admin(sql) {
  const client = new pg.Client({ connectionString: `${PG}/postgres` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function wg(dir, argv) {
  const result = spawnSync(process.execPath, [WG_BIN, ...argv], {
    cwd: dir,
    env: wgEnv(),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (result.status !== 0) throw new Error(`wg ${argv.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** A project holding `dag` on the given store: 'file' (graph.jsonl) or 'postgres' (imported into a new database). */
async function project(store, dag) {
  const source = scratch('wg-bench-store-');
  writeWgProject(source, dag);
  if (store === 'file') return source;
  const name = `wg_bench_${process.pid}_${databases.length}`;
  await admin(`CREATE DATABASE ${name}`);
  databases.push(name);
  const dir = scratch('wg-bench-pg-');
  wg(dir, ['init', '--store', `${PG}/${name}`]);
  wg(dir, ['import', join(source, '.workgraph', 'graph.jsonl')]);
  wg(dir, ['edit', '--help']); // warm the module cache alike for both stores
  return dir;
}

function worker(dir, index, quota) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bench', 'lib', 'claim-worker.mjs'), dir, `w${index}`, String(index + 1), String(quota)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker ${index} exited ${code}`)),
    );
  });
}

async function claimRace(store) {
  const dir = await project(store, layeredDag(tasks, { width: tasks }));
  const started = process.hrtime.bigint();
  const outcomes = await Promise.all(
    Array.from({ length: workers }, (_, i) => worker(dir, i, Math.ceil(claims / workers))),
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const claimed = outcomes.flatMap((outcome) => outcome.claimed);
  const inProgress = JSON.parse(wg(dir, ['list', '--status', 'in-progress', '--json'])).length;
  return {
    ms: Math.round(ms),
    claims: claimed.length,
    claims_per_s: +(claimed.length / (ms / 1000)).toFixed(1),
    double_claims: claimed.length - new Set(claimed).size,
    stored_in_progress: inProgress,
  };
}

async function runnerTime(store, dag) {
  const dir = await project(store, dag);
  const { ms } = timed(process.execPath, [WG_BIN, 'run', '--parallel', String(parallel), '--max-steps', '1'], {
    cwd: dir,
    env: wgEnv(),
  });
  const done = JSON.parse(wg(dir, ['list', '--status', 'done', '--json'])).length;
  if (done !== dag.length) throw new Error(`${store}: wg run left ${dag.length - done} tasks not done`);
  return ms;
}

const results = {
  date: new Date().toISOString(),
  node: process.version,
  tasks,
  workers,
  parallel,
  load_before: load(),
  claims: {},
  runner: {},
};
try {
  for (const store of ['file', 'postgres']) results.claims[store] = await claimRace(store);
  const dag = layeredDag(tasks);
  const samples = { file: [], postgres: [] };
  for (let r = 0; r < reps; r++)
    for (const store of r % 2 ? ['postgres', 'file'] : ['file', 'postgres'])
      samples[store].push(await runnerTime(store, dag));
  for (const store of ['file', 'postgres'])
    results.runner[store] = {
      median_ms: Math.round(median(samples[store])),
      per_task_ms: +(median(samples[store]) / tasks).toFixed(2),
      samples_ms: samples[store].map(Math.round),
    };
} finally {
  for (const name of databases) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
}
results.load_after = load();

console.log(
  `File store against PostgreSQL (node ${process.version}, load ${results.load_before} before, ${results.load_after} after)`,
);
console.log(
  table(
    ['store', `claims/s (${workers} processes)`, 'double claims', `wg run, ${tasks} tasks`, 'ms per task'],
    ['file', 'postgres'].map((store) => [
      store,
      results.claims[store].claims_per_s,
      results.claims[store].double_claims,
      `${results.runner[store].median_ms} ms`,
      results.runner[store].per_task_ms,
    ]),
  ),
);
console.log(`results: ${saveResults('store-compare', results)}`);
