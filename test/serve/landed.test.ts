/**
 * The task page of `wg serve` says where a task's work landed (the commit `wg diff` shows),
 * for a task run with default settings in a real git repository, in a real browser.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { runWg } from '../support/wg.js';
import { openBrowser, strayRequests, type Browser } from './browser.js';
import { serve, type Served } from './support.js';

let dir: string | undefined;
let served: Served | undefined;
let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  await served?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  [browser, served, dir] = [undefined, undefined, undefined];
});

describe('wg serve: the landed commit', () => {
  it("shows the commit a task's work landed as on its page", async () => {
    dir = mkdtempSync(join(tmpdir(), 'wg-serve-landed-'));
    const git = async (...args: string[]) => String((await execa('git', args, { cwd: dir })).stdout);
    await git('init', '--quiet', '--initial-branch', 'main');
    await git('config', 'user.email', 'tester@example.com');
    await git('config', 'user.name', 'Tester');
    writeFileSync(join(dir, '.gitignore'), 'node_modules\n');
    await git('add', '.gitignore');
    await git('commit', '--quiet', '-m', 'initial');
    const base = await git('rev-parse', 'main');
    for (const args of [['init'], ['add', 'Write', '--id', 'write', '--exec', 'echo hi > a.txt'], ['run']]) {
      const result = await runWg(args, { cwd: dir });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    }
    const head = await git('rev-parse', 'main');
    expect(head).not.toBe(base);
    served = await serve(dir);
    browser = await openBrowser();
    const page = await browser.context.newPage();
    await page.goto(`${served.url}#/task/write`);
    await page.waitForSelector('#task-landed', { timeout: 20_000 });
    expect(await page.getAttribute('#task-landed', 'data-commit')).toBe(head);
    expect(await page.textContent('#task-landed')).toBe(
      `${head.slice(0, 12)} on main (attempt 1, from ${base.slice(0, 12)})`,
    );
    expect(strayRequests(browser.requests, served.port)).toEqual([]);
  });
});
