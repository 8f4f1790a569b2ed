/**
 * A fresh clone, as `npm install` leaves it: the files git tracks (no dist/), the
 * dependencies, then the `prepare` script npm runs at the end of every install.
 * After it, `node bin/wg.js --help` must work without `npm test` or `npm run demo`.
 *
 * The dependencies come from this checkout's node_modules through a symlink: a real
 * `npm install` would fetch them from the registry, which tests must not reach. What
 * is under test is what the install then runs (the `prepare` lifecycle script, by name,
 * through npm) and whether it leaves a working CLI.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';
import { cleanEnv, REPO_ROOT } from '../support/wg.js';

const clone = mkdtempSync(join(tmpdir(), 'wg-clone-'));
afterAll(() => rmSync(clone, { recursive: true, force: true }));

it('npm install runs a prepare that builds the CLI: wg --help works in a fresh clone', async () => {
  // What a clone holds once the working tree is committed: tracked files and new ones git does not ignore.
  const listed = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO_ROOT,
  });
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    if (!existsSync(join(REPO_ROOT, file))) continue; // deleted but not yet committed
    mkdirSync(dirname(join(clone, file)), { recursive: true });
    copyFileSync(join(REPO_ROOT, file), join(clone, file));
  }
  expect(existsSync(join(clone, 'dist'))).toBe(false);
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(clone, 'node_modules'));

  // Before prepare there is no build: wg says so in one line, and the test below proves prepare makes one.
  const before = await execa('node', ['bin/wg.js', '--help'], { cwd: clone, reject: false, env: cleanEnv() });
  expect(before.exitCode).toBe(1);
  expect(before.stderr).toBe(
    `error: wg is not built (${join(clone, 'dist', 'wg.mjs')} is missing)\nhint: run npm install (or npm run build) in ${clone}/`,
  );

  const manifest = JSON.parse(readFileSync(join(clone, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  expect(manifest.scripts.prepare).toBeDefined();
  const prepare = await execa('npm', ['run', 'prepare'], { cwd: clone, reject: false, env: cleanEnv(), all: true });
  expect(prepare.exitCode, prepare.all).toBe(0);

  const help = await execa('node', ['bin/wg.js', '--help'], { cwd: clone, reject: false, env: cleanEnv() });
  expect(help.stderr).toBe('');
  expect(help.exitCode).toBe(0);
  expect(help.stdout).toContain('Usage: wg');
  // The agents' wrapper (bin/wg, put on their PATH) runs the same build, and wg serve's page is there too.
  const wrapper = await execa(join(clone, 'bin', 'wg'), ['--version'], { reject: false, env: cleanEnv() });
  expect(wrapper.exitCode).toBe(0);
  expect(existsSync(join(clone, 'dist', 'web', 'app.js'))).toBe(true);
}, 180_000);
