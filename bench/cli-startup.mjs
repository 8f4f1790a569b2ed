/**
 * CLI start-up cost: CPU seconds (user + system) of the short `wg` commands that agents
 * and the test suite start by the thousand (`wg log`, `wg show --json`, `wg list`, ...)
 * in a small project, next to a bare `node -e ""`. CPU rather than wall time, because
 * the suite is CPU-bound on a shared 2-core machine where wall time is mostly noise.
 * Each process is timed by GNU time (wait4's rusage); the table prints medians.
 * Usage: node bench/cli-startup.mjs [--reps N] [--wg path/to/bin/wg.js]
 * (--wg: another checkout's build, e.g. an older commit's, to compare against).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { load, median, saveResults, table, WG_BIN, wgEnv } from './lib/stats.mjs';

const args = process.argv.slice(2);
const repsFlag = args.indexOf('--reps');
const REPS = repsFlag >= 0 ? Number(args[repsFlag + 1]) : 15;
const wgFlag = args.indexOf('--wg');
const WG = wgFlag >= 0 ? resolve(args[wgFlag + 1]) : WG_BIN;
const TIME = '/usr/bin/time';
if (!existsSync(TIME)) throw new Error(`${TIME} (GNU time) is needed to read each process's CPU time`);

// The suite runs without NODE_EXTRA_CA_CERTS, and reading a CA bundle costs every process.
const env = { ...wgEnv(), NODE_EXTRA_CA_CERTS: '' };
delete env.NODE_EXTRA_CA_CERTS;

/** CPU seconds of one whole process (and whatever it waited for). Throws if it fails. */
function cpu(cwd, argv, timing) {
  const result = spawnSync(TIME, ['-o', timing, '-f', '%U %S', ...argv], { cwd, env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed (${result.status}): ${result.stderr}`);
  const [user, sys] = readFileSync(timing, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
  return { user, sys };
}

const dir = mkdtempSync(join(tmpdir(), 'wg-bench-startup-'));
const timing = join(dir, 'time.txt');
const wg = (...argv) => [process.execPath, WG, ...argv];
try {
  spawnSync('git', ['init', '-q', dir]);
  for (const argv of [['init'], ['add', 'Design API'], ['add', 'Build API', '--blocked-by', 'design-api']])
    cpu(dir, wg(...argv), timing);
  cpu(dir, wg('claim', 'design-api'), timing);
  spawnSync(process.execPath, ['-e', 'require("fs").writeFileSync("notes.md", "x")'], { cwd: dir });
  const COMMANDS = [
    ['node -e ""', [process.execPath, '-e', '']],
    ['wg --version', wg('--version')],
    ['wg list', wg('list')],
    ['wg show --json', wg('show', 'design-api', '--json')],
    ['wg log (append)', wg('log', 'design-api', 'bench message', '--force')],
    ['wg progress', wg('progress', 'design-api', '40', 'halfway', '--force')],
    ['wg artifact', wg('artifact', 'design-api', 'notes.md', '--force')],
    ['wg ready --json', wg('ready', '--json')],
    ['wg add', wg('add', 'Another task')],
  ];
  const samples = Object.fromEntries(COMMANDS.map(([name]) => [name, { user: [], sys: [], cpu: [] }]));
  const loadBefore = load();
  // Round-robin, so drift in the machine's load spreads over every command alike.
  for (let r = 0; r < REPS; r++) {
    for (const [name, argv] of COMMANDS) {
      const { user, sys } = cpu(dir, argv, timing);
      samples[name].user.push(user);
      samples[name].sys.push(sys);
      samples[name].cpu.push(Math.round((user + sys) * 100) / 100);
    }
  }
  const medians = Object.fromEntries(
    Object.entries(samples).map(([name, s]) => [
      name,
      { user: median(s.user), sys: median(s.sys), cpu: median(s.cpu), min: Math.min(...s.cpu) },
    ]),
  );
  console.log(
    `CLI start-up of ${WG}, CPU seconds per process, median of ${REPS} (node ${process.version}, load ${loadBefore} -> ${load()})`,
  );
  console.log(
    table(
      ['command', 'cpu (user+sys)', 'user', 'sys', 'min cpu'],
      Object.entries(medians).map(([name, m]) => [
        name,
        m.cpu.toFixed(2),
        m.user.toFixed(2),
        m.sys.toFixed(2),
        m.min.toFixed(2),
      ]),
    ),
  );
  console.log(
    `results: ${saveResults('cli-startup', { date: new Date().toISOString(), node: process.version, wg: WG, reps: REPS, medians, samples })}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
