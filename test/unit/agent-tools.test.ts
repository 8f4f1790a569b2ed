/** The built-in agent's path confinement and tools, on real temporary folders. */
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutsideWorkdirError, resolveInside } from '../../src/agent/confine.js';
import { chooseTools } from '../../src/protocol/tool-names.js';
import { runTool, type ToolContext } from '../../src/agent/tools.js';
import { globMatcher } from '../../src/agent/walk.js';

let root: string;
let workdir: string;
let outside: string;
let context: ToolContext;

beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'wg-confine-')));
  workdir = join(root, 'work');
  outside = join(root, 'outside');
  mkdirSync(workdir);
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'SECRET');
  context = { workdir, bashTimeoutMs: 5000, env: process.env };
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const refused = (path: string) => {
  try {
    resolveInside(workdir, path);
  } catch (error) {
    expect(error).toBeInstanceOf(OutsideWorkdirError);
    return (error as Error).message;
  }
  throw new Error(`${path} was not refused`);
};

describe('resolveInside', () => {
  it('accepts relative paths, new files in new folders, and absolute paths inside', () => {
    expect(resolveInside(workdir, 'a/b/c.txt')).toBe(join(workdir, 'a/b/c.txt'));
    expect(resolveInside(workdir, './x/../y.txt')).toBe(join(workdir, 'y.txt'));
    expect(resolveInside(workdir, '.')).toBe(workdir);
    expect(resolveInside(workdir, join(workdir, 'z.txt'))).toBe(join(workdir, 'z.txt'));
  });

  it('refuses .., absolute paths elsewhere, and empty paths', () => {
    expect(refused('../x')).toMatch(/paths may not climb out of it with \.\./);
    expect(refused('a/../../outside/secret.txt')).toMatch(/outside the working directory/);
    expect(refused('/etc/passwd')).toMatch(/absolute paths must lie inside it/);
    expect(refused('')).toBe('a path is required');
  });

  it('refuses symlinks that lead outside: to a folder, to a file, dangling, and chained', () => {
    symlinkSync(outside, join(workdir, 'dir-link'));
    symlinkSync(join(outside, 'secret.txt'), join(workdir, 'file-link'));
    symlinkSync(join(outside, 'missing.txt'), join(workdir, 'dangling-link'));
    mkdirSync(join(workdir, 'inner'));
    symlinkSync('../dir-link', join(workdir, 'inner', 'chained'));
    for (const path of [
      'dir-link/secret.txt',
      'dir-link/new.txt',
      'file-link',
      'dangling-link',
      'inner/chained/secret.txt',
    ]) {
      expect(refused(path)).toMatch(/leads outside the working directory through a symbolic link/);
    }
  });

  it('allows symlinks that stay inside', () => {
    mkdirSync(join(workdir, 'real'));
    symlinkSync('real', join(workdir, 'alias'));
    expect(resolveInside(workdir, 'alias/f.txt')).toBe(join(workdir, 'real', 'f.txt'));
  });
});

describe('built-in agent tools', () => {
  it('write, read, edit: every failure is a result the model reads, never a throw', async () => {
    expect(await runTool('write_file', { path: 'src/a.txt', content: 'one\ntwo\ntwo\n' }, context)).toEqual({
      content: 'wrote 12 bytes to src/a.txt',
      isError: false,
    });
    expect((await runTool('read_file', { path: 'src/a.txt', offset: 2, limit: 1 }, context)).content).toBe(
      '    2  two',
    );
    expect(
      await runTool('edit_file', { path: 'src/a.txt', old_string: 'two', new_string: '2' }, context),
    ).toMatchObject({ isError: true, content: expect.stringMatching(/occurs 2 times/) });
    expect(
      await runTool('edit_file', { path: 'src/a.txt', old_string: 'two', new_string: '2', replace_all: true }, context),
    ).toMatchObject({ isError: false });
    expect(readFileSync(join(workdir, 'src/a.txt'), 'utf8')).toBe('one\n2\n2\n');
    expect(await runTool('read_file', { path: 'nope.txt' }, context)).toEqual({
      content: 'nope.txt does not exist',
      isError: true,
    });
    expect(await runTool('read_file', { file: 'x' }, context)).toMatchObject({
      isError: true,
      content: expect.stringMatching(/^invalid input for read_file: path/),
    });
    expect(await runTool('launch_rockets', {}, context)).toEqual({
      content: 'unknown tool launch_rockets',
      isError: true,
    });
    expect(await runTool('write_file', { path: '../escape.txt', content: 'x' }, context)).toMatchObject({
      isError: true,
    });
  });

  it('lists and searches without following links out of the folder', async () => {
    await runTool('write_file', { path: 'src/a.ts', content: 'const needle = 1;\n' }, context);
    await runTool('write_file', { path: 'docs/b.md', content: 'needle in docs\n' }, context);
    symlinkSync(outside, join(workdir, 'link'));
    expect((await runTool('list_files', { recursive: true }, context)).content).toBe(
      'docs/\ndocs/b.md\nlink\nsrc/\nsrc/a.ts',
    );
    expect((await runTool('search_files', { pattern: 'needle|SECRET' }, context)).content).toBe(
      'docs/b.md:1: needle in docs\nsrc/a.ts:1: const needle = 1;',
    );
    expect((await runTool('search_files', { pattern: 'needle', glob: '*.ts' }, context)).content).toBe(
      'src/a.ts:1: const needle = 1;',
    );
    expect(await runTool('search_files', { pattern: '(' }, context)).toMatchObject({ isError: true });
  });

  it('bash runs in the working directory, reports its exit code, and is stopped at its timeout', async () => {
    expect(await runTool('bash', { command: 'pwd; exit 0' }, context)).toEqual({
      content: `exit code 0\n${workdir}`,
      isError: false,
    });
    expect(await runTool('bash', { command: 'echo oops >&2; exit 4' }, context)).toEqual({
      content: 'exit code 4\noops',
      isError: true,
    });
    const started = Date.now();
    const slow = await runTool('bash', { command: 'sleep 30 & sleep 30', timeout_seconds: 0.3 }, context);
    expect(slow).toMatchObject({ isError: true, content: expect.stringMatching(/^timed out after 0.3s/) });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('bash returns when the command does, even if a process that left its group holds the output open', async () => {
    const pidFile = join(workdir, 'daemon.pid');
    try {
      // Short timeout: before the fix, the call waited for the daemon's pipe and ended as timed out.
      // The daemon writes its pid only once setsid has moved it out of bash's group; bash waits for that.
      const command = `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 30' & while [ ! -s ${pidFile} ]; do sleep 0.01; done; echo started`;
      const result = await runTool('bash', { command, timeout_seconds: 3 }, { ...context, bashTimeoutMs: 3000 });
      expect(result).toEqual({ content: 'exit code 0\nstarted', isError: false });
    } finally {
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    }
  });
});

describe('chooseTools and globs', () => {
  it("offers the task's tools, by wg's names or Claude Code's, else the defaults", () => {
    expect(chooseTools(undefined, ['read_file', 'bash'])).toEqual(['read_file', 'bash']);
    expect(chooseTools(['Bash(npm test)', 'Read', 'grep', 'write_file', 'WebFetch'], ['read_file'])).toEqual([
      'read_file',
      'write_file',
      'search_files',
      'bash',
    ]);
    expect(chooseTools([], ['read_file'])).toEqual([]);
  });

  it('matches globs on names anywhere, or on whole paths when they have a slash; braces and dotfiles too', () => {
    expect(globMatcher('*.ts')('src/deep/a.ts')).toBe(true);
    expect(globMatcher('src/*.ts')('src/deep/a.ts')).toBe(false);
    expect(globMatcher('src/**/*.ts')('src/deep/a.ts')).toBe(true);
    expect(globMatcher('*.{ts,mjs}')('bench/run.mjs')).toBe(true);
    expect(globMatcher('*.ts')('src/a.tsx')).toBe(false);
    expect(globMatcher('.*rc')('config/.eslintrc')).toBe(true);
  });
});
