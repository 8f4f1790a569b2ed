/**
 * One contender in the claim benchmark: like an agent, it looks at `wg ready`, claims a
 * random ready task with `wg claim`, and on losing a race looks again. Prints
 * {"claimed": [...ids], "lost": n, "processes": n} once it holds QUOTA tasks or
 * nothing is ready any more.
 * Usage: node claim-worker.mjs PROJECT_DIR ACTOR SEED [QUOTA]
 */
import { spawnSync } from 'node:child_process';
import { prng } from './prng.mjs';
import { WG_BIN, wgEnv } from './stats.mjs';

const [dir, actor, seedArg, quotaArg] = process.argv.slice(2);
const quota = quotaArg ? Number(quotaArg) : Infinity;
const random = prng(Number(seedArg));
const env = wgEnv();
let processes = 0;

function wg(args) {
  processes++;
  return spawnSync(process.execPath, [WG_BIN, ...args], { cwd: dir, env, encoding: 'utf8', maxBuffer: 1 << 26 });
}

const ready = () => {
  const result = wg(['ready', '--json']);
  if (result.status !== 0) throw new Error(`wg ready failed: ${result.stderr}`);
  return JSON.parse(result.stdout).map((task) => task.id);
};

const claimed = [];
let lost = 0;
let view = ready();
while (view.length > 0 && claimed.length < quota) {
  const pick = Math.floor(random() * view.length);
  const id = view[pick];
  const result = wg(['claim', id, '--actor', actor, '--json']);
  if (result.status === 0) {
    if (JSON.parse(result.stdout).token === undefined) throw new Error(`claim of ${id} printed no token`);
    claimed.push(id);
    view.splice(pick, 1);
  } else if (/already claimed|not ready|cannot claim/.test(result.stderr)) {
    lost++;
    view = ready();
  } else {
    throw new Error(`wg claim ${id} failed unexpectedly: ${result.stderr}`);
  }
}
process.stdout.write(`${JSON.stringify({ claimed, lost, processes })}\n`);
