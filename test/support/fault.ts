/**
 * Helpers for the fault-injection suite (test/fault). `npm test` runs light counts;
 * `npm run test:stress` sets WG_STRESS=1 (vitest.stress.config.ts) for the heavy ones.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

export const STRESS = process.env.WG_STRESS === '1';

/** `light` in `npm test`, `heavy` under test:stress. */
export const count = (light: number, heavy: number): number => (STRESS ? heavy : light);

export interface TaskLine {
  kind: string;
  id: string;
  status: string;
  assigned?: string;
  claim?: { attempt: number };
  failure_reason?: string;
  log?: Array<{ actor: string; message: string }>;
}

/** Every line of graph.jsonl parsed as JSON: throws (failing the test) on any torn or invalid line. */
export function parseLines(text: string): TaskLine[] {
  if (text !== '' && !text.endsWith('\n'))
    throw new Error(`graph.jsonl does not end with a newline: ...${JSON.stringify(text.slice(-80))}`);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as TaskLine;
      } catch {
        throw new Error(`graph.jsonl line ${i + 1} is not JSON: ${line.slice(0, 120)}`);
      }
    });
}

export const doneEntries = (task: TaskLine): number =>
  (task.log ?? []).filter((entry) => entry.message === 'done').length;

/** A seeded PRNG, so a failing random schedule can be replayed from the seed in the test name. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * A layered DAG of `count` tasks running `exec`, each after the first layer waiting
 * for 1-3 tasks of the layer before: graph.jsonl text.
 */
export function dagGraph(count: number, exec: (id: string) => string, width = 10, seed = 1): string {
  const random = seeded(seed);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const layer = Math.floor(i / width);
    const deps = new Set<string>();
    if (layer > 0)
      for (let d = 1 + Math.floor(random() * 3); d > 0; d--)
        deps.add(`t${(layer - 1) * width + Math.floor(random() * width)}`);
    const id = `t${i}`;
    lines.push(
      JSON.stringify({
        kind: 'task',
        id,
        title: `Task ${i}`,
        status: 'open',
        exec: exec(id),
        ...(deps.size ? { blocked_by: [...deps] } : {}),
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Pids of live (non-zombie) processes whose environment says they belong to the project in `workgraphDir`. */
export function processesOf(workgraphDir: string): number[] {
  const marker = `WG_DIR=${workgraphDir}\0`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (/\) [ZX] /.test(stat)) continue;
      if (`${readFileSync(`/proc/${entry}/environ`, 'latin1')}\0`.includes(marker)) found.push(Number(entry));
    } catch {
      // Gone while we looked, or not ours to read.
    }
  }
  return found;
}

/** Pids of live process spawners (the helper `wg run` starts its agents from) working in the project folder `dir`. */
export function spawnersIn(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (/\) [ZX] /.test(readFileSync(`/proc/${entry}/stat`, 'utf8'))) continue;
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('process/helper-main.js')) continue;
      if (readlinkSync(`/proc/${entry}/cwd`) === dir) found.push(Number(entry));
    } catch {
      // Gone while we looked, or not ours to read.
    }
  }
  return found;
}

export function setConfig(workgraphDir: string, toml: string): void {
  writeFileSync(join(workgraphDir, 'config.toml'), toml);
}

/**
 * Keeps every core busy (one spinning process each) so a test runs on a loaded machine, as
 * CI's often is. Each spinner stops by itself after `ms`; `stop` ends them sooner (call it in
 * afterEach or finally).
 */
export function burnCpu(ms = 30_000): { stop(): void } {
  const spinners = Array.from({ length: availableParallelism() }, () =>
    spawn(process.execPath, ['-e', `const end = Date.now() + ${ms}; while (Date.now() < end);`], { stdio: 'ignore' }),
  );
  return { stop: () => spinners.forEach((spinner) => spinner.kill('SIGKILL')) };
}
