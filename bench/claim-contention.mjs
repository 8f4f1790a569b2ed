/**
 * Claim contention: W worker processes (bench/lib/claim-worker.mjs) claim from N ready
 * tasks at once, each through whole `wg ready` / `wg claim` processes, until each holds
 * its share of --claims (or, with --claims 0, until no task is left). Every whole wg
 * process costs ~0.3 s of CPU here, so draining 1,000 tasks on 2 cores takes minutes:
 * the default measures the rate over the first 160 claims out of 1,000 ready tasks.
 * Reports claims per second and checks that no task was claimed twice: no id in two
 * workers' winnings, and the graph agrees with every winner.
 * Usage: node bench/claim-contention.mjs [--tasks 1000] [--workers 8] [--claims 160]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { layeredDag, writeWgProject } from './lib/dag.mjs';
import { load, ROOT, saveResults, table } from './lib/stats.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const tasks = Number(flag('--tasks', '1000'));
const workers = Number(flag('--workers', '8'));
const wanted = Number(flag('--claims', '160')) || tasks;
const quota = Math.ceil(wanted / workers);

function worker(dir, index) {
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

const dir = mkdtempSync(join(tmpdir(), 'wg-bench-claims-'));
try {
  // Every task ready: no dependencies, so the contention is for the tasks alone.
  writeWgProject(dir, layeredDag(tasks, { width: tasks }));
  const loadBefore = load();
  const started = process.hrtime.bigint();
  const outcomes = await Promise.all(Array.from({ length: workers }, (_, i) => worker(dir, i)));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;

  const winners = new Map();
  let doubleClaims = 0;
  for (const [i, outcome] of outcomes.entries()) {
    for (const id of outcome.claimed) {
      if (winners.has(id)) doubleClaims++;
      winners.set(id, `w${i}`);
    }
  }
  let disagreements = 0;
  for (const line of readFileSync(join(dir, '.workgraph', 'graph.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)) {
    const task = JSON.parse(line);
    const winner = winners.get(task.id);
    const agrees = winner
      ? task.status === 'in-progress' && task.assigned === winner && task.claim?.attempt === 1
      : task.status === 'open' && !task.claim;
    if (!agrees) disagreements++;
  }
  const results = {
    date: new Date().toISOString(),
    tasks,
    workers,
    load_before: loadBefore,
    load_after: load(),
    elapsed_ms: Math.round(ms),
    claims: winners.size,
    claims_per_s: +(winners.size / (ms / 1000)).toFixed(1),
    lost_races: outcomes.reduce((sum, o) => sum + o.lost, 0),
    wg_processes: outcomes.reduce((sum, o) => sum + o.processes, 0),
    double_claims: doubleClaims,
    graph_disagreements: disagreements,
    per_worker: outcomes.map((o) => o.claimed.length),
  };
  console.log(
    `Claim contention: ${workers} processes making ${winners.size} claims from ${tasks} ready tasks (load ${results.load_before} before, ${results.load_after} after)`,
  );
  console.log(
    table(
      ['claims', 'time', 'claims/s', 'lost races', 'wg processes', 'double claims', 'graph mismatches'],
      [
        [
          results.claims,
          `${results.elapsed_ms} ms`,
          results.claims_per_s,
          results.lost_races,
          results.wg_processes,
          doubleClaims,
          disagreements,
        ],
      ],
    ),
  );
  console.log(`claims per worker: ${results.per_worker.join(', ')}`);
  console.log(`results: ${saveResults('claim-contention', results)}`);
  if (doubleClaims > 0 || disagreements > 0 || winners.size !== Math.min(tasks, quota * workers)) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
