/**
 * The floor for any Node runner: spawn each node's command (`sh -c`, as wg's shell
 * backend does) once its dependencies have exited, N at a time, with no bookkeeping,
 * no files and no output capture. Usage: node floor-runner.mjs DAG.json PARALLEL [COMMAND]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const [dagFile, parallelArg, command = 'true'] = process.argv.slice(2);
const dag = JSON.parse(readFileSync(dagFile, 'utf8'));
const parallel = Number(parallelArg);
const waiting = new Map(dag.map((t) => [t.id, t.deps.length]));
const dependents = new Map(dag.map((t) => [t.id, []]));
for (const t of dag) for (const d of t.deps) dependents.get(d).push(t.id);
const ready = dag.filter((t) => t.deps.length === 0).map((t) => t.id);
let running = 0;
let finished = 0;

function pump() {
  while (running < parallel && ready.length > 0) {
    const id = ready.shift();
    running++;
    spawn('sh', ['-c', command], { stdio: 'ignore' }).on('exit', (code) => {
      if (code !== 0) throw new Error(`${id} exited ${code}`);
      running--;
      finished++;
      for (const next of dependents.get(id)) {
        const left = waiting.get(next) - 1;
        waiting.set(next, left);
        if (left === 0) ready.push(next);
      }
      if (finished === dag.length) process.exit(0);
      pump();
    });
  }
}
pump();
