/**
 * `npm run bench`: every benchmark in turn, each printing its own table and writing
 * its JSON under bench/results/. `--quick` shrinks sizes and repetitions (about two
 * minutes instead of about ten on a 2-core machine): fine for a smoke test, too noisy
 * to compare against the targets.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { load, ROOT } from './lib/stats.mjs';

const quick = process.argv.includes('--quick');
const plan = quick
  ? [
      ['cli-startup.mjs', '--reps', '5'],
      ['runner-overhead.mjs', '--sizes', '100,1000', '--reps', '2'],
      ['cli-latency.mjs', '1000', '10000', '--reps', '5'],
      ['output-streaming.mjs', '--mb', '50', '--reps', '1'],
      ['claim-contention.mjs', '--claims', '40'],
      ['schedule.mjs', '--dags', '1'],
      ['worktree.mjs', '--reps', '2', '--tasks', '8'],
      ['store-compare.mjs', '--tasks', '300', '--claims', '40', '--reps', '1'],
      ['stop-sweep.mjs', '--reps', '50', '--stops', '2'],
    ]
  : [
      ['cli-startup.mjs'],
      ['runner-overhead.mjs', '--sizes', '100,1000,10000'],
      ['cli-latency.mjs'],
      ['output-streaming.mjs', '--mb', '500', '--reps', '1'],
      ['claim-contention.mjs'],
      ['schedule.mjs'],
      ['worktree.mjs'],
      ['store-compare.mjs'],
      ['stop-sweep.mjs'],
    ];

const started = Date.now();
let failed = 0;
for (const [script, ...args] of plan) {
  console.log(`\n== ${script} ${args.join(' ')} (load ${load()})`);
  const result = spawnSync(process.execPath, [join(ROOT, 'bench', script), ...args], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.log(`${script} failed (exit ${result.status ?? result.signal})`);
  }
}
console.log(`\nall benchmarks: ${Math.round((Date.now() - started) / 1000)} s${failed ? `, ${failed} failed` : ''}`);
process.exitCode = failed ? 1 : 0;
