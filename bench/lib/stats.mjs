/** Small helpers the benchmark scripts share: timing whole processes, medians, tables, results. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const WG_BIN = join(ROOT, 'bin', 'wg.js');

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Run a command to completion; milliseconds of wall-clock time. Throws with its stderr if it fails. */
export function timed(file, args, options = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(file, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    ...options,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0)
    throw new Error(
      `${file} ${args.join(' ')} failed (${result.status ?? result.signal}): ${String(result.stderr).slice(-2000)}`,
    );
  return { ms, stderr: String(result.stderr ?? '') };
}

/** The environment for wg: no lease credentials from whoever started the benchmark. */
export function wgEnv() {
  const env = { ...process.env, NO_COLOR: '1', WG_ACTOR: 'bench' };
  delete env.WG_TASK_ID;
  delete env.WG_TOKEN;
  delete env.WG_DIR;
  return env;
}

/** How many tasks of a graph.jsonl have each status. */
export function statusCounts(graphPath) {
  const counts = {};
  for (const line of readFileSync(graphPath, 'utf8').split('\n')) {
    if (!line) continue;
    const record = JSON.parse(line);
    if (record.kind === 'task') counts[record.status] = (counts[record.status] ?? 0) + 1;
  }
  return counts;
}

/** 1-minute load average, rounded: benchmarks are noise when the machine is busy. */
export const load = () => Math.round(loadavg()[0] * 100) / 100;

export function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) => cells.map((cell, i) => String(cell).padStart(widths[i])).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

export function saveResults(name, results) {
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const out = join(ROOT, 'bench', 'results', `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  return out;
}
