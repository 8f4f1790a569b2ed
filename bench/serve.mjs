/**
 * wg serve's load time in a real browser (Debian's chromium via playwright-core): the
 * project's benchmark graph (bench/generate-graph.mjs: each task after 1-3 random earlier
 * ones, 40% done) of N tasks, served by the built wg; how long until the list shows every
 * task, and until the drawn graph does. Each repetition starts a fresh server, so the
 * layout is computed anew each time.
 *
 *   node bench/serve.mjs [--tasks 1000] [--reps 3]
 */
/* global document -- the functions given to page.waitForFunction run in the browser */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { writeProject } from './generate-graph.mjs';
import { load, median, saveResults, table, WG_BIN } from './lib/stats.mjs';

const arg = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const tasks = arg('--tasks', 1000);
const reps = arg('--reps', 3);
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function serve(dir) {
  const env = { ...process.env };
  delete env.WG_DIR;
  const child = spawn(process.execPath, [WG_BIN, 'serve', '--port', '0', '--json'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
      if (/\n}\s*$/.test(text)) resolve({ child, ...JSON.parse(text) });
    });
    child.once('exit', (code) => reject(new Error(`wg serve exited ${code}`)));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'wg-bench-serve-'));
const profile = mkdtempSync(join(tmpdir(), 'wg-bench-chromium-'));
writeProject(dir, tasks);
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.WG_TEST_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ARGS,
});
const runs = [];
try {
  for (let rep = 0; rep < reps; rep++) {
    const served = await serve(dir);
    const page = await context.newPage();
    const started = Date.now();
    await page.goto(served.url);
    await page.waitForFunction((n) => document.querySelectorAll('#list tr[data-task-id]').length === n, tasks, {
      timeout: 120_000,
    });
    const listMs = Date.now() - started;
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 300_000 });
    const graphMs = Date.now() - started;
    const layoutMs = Number((await page.textContent('#layout-note')).match(/layout (\d+) ms/)?.[1]);
    runs.push({ listMs, graphMs, layoutMs });
    await page.close();
    served.child.kill('SIGTERM');
    await new Promise((resolve) => served.child.once('exit', resolve));
  }
} finally {
  await context.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
}
const result = {
  tasks,
  reps,
  load: load(),
  list_visible_ms: median(runs.map((run) => run.listMs)),
  graph_drawn_ms: median(runs.map((run) => run.graphMs)),
  layout_ms: median(runs.map((run) => run.layoutMs)),
  runs,
};
console.log(
  table(
    ['tasks', 'list visible (median)', 'graph drawn (median)', 'layout on the server'],
    [[String(tasks), `${result.list_visible_ms} ms`, `${result.graph_drawn_ms} ms`, `${result.layout_ms} ms`]],
  ),
);
saveResults('serve', result);
