/**
 * The floor for any Node runner: spawn each node's command (`sh -c`, as wg's shell
 * backend does) once its dependencies have exited, N at a time, with no bookkeeping,
 * no files and no output capture.
 *
 * With `--io DIR` it also does the per-attempt file work wg's issue requires and
 * nothing else: `DIR/runs/<task>/1/` with command.json, and stdout/stderr piped into
 * output.log beside an events.jsonl. That is the floor for a runner that keeps run
 * files, so wg's own bookkeeping is what is left above it.
 *
 * Usage: node floor-runner.mjs DAG.json PARALLEL [--io DIR] [COMMAND]
 */
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const args = process.argv.slice(2);
const ioFlag = args.indexOf('--io');
const ioDir = ioFlag >= 0 ? args.splice(ioFlag, 2)[1] : undefined;
const [dagFile, parallelArg, command = 'true'] = args;
const dag = JSON.parse(readFileSync(dagFile, 'utf8'));
const parallel = Number(parallelArg);
const waiting = new Map(dag.map((t) => [t.id, t.deps.length]));
const dependents = new Map(dag.map((t) => [t.id, []]));
for (const t of dag) for (const d of t.deps) dependents.get(d).push(t.id);
const ready = dag.filter((t) => t.deps.length === 0).map((t) => t.id);
let running = 0;
let finished = 0;

function finish(id, code) {
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
}

async function runWithFiles(id) {
  const dir = join(ioDir, 'runs', id, '1');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'command.json'), JSON.stringify({ task: id, file: 'sh', args: ['-c', command] }));
  const output = createWriteStream(join(dir, 'output.log'));
  const events = createWriteStream(join(dir, 'events.jsonl'));
  const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(output, { end: false });
  child.stderr.pipe(output, { end: false });
  const code = await new Promise((resolve) => child.on('close', resolve));
  await Promise.all([new Promise((resolve) => output.end(resolve)), new Promise((resolve) => events.end(resolve))]);
  finish(id, code);
}

function pump() {
  while (running < parallel && ready.length > 0) {
    const id = ready.shift();
    running++;
    if (ioDir) runWithFiles(id);
    else spawn('sh', ['-c', command], { stdio: 'ignore' }).on('exit', (code) => finish(id, code));
  }
}
pump();
