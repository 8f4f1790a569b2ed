/**
 * `wg init` as a new user meets it: which agent backend it chose (written to config.toml)
 * or why none, whether runs will use worktrees, and what to do next.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { runWg } from '../support/wg.js';

const folders: string[] = [];
afterAll(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wg-init-'));
  folders.push(dir);
  return dir;
}

/** No credentials from the machine running the tests: an empty home, no keys. */
function noCredentials(): Record<string, string | undefined> {
  const home = folder();
  return {
    HOME: home,
    CLAUDE_CONFIG_DIR: undefined,
    CODEX_HOME: join(home, '.codex'),
    ANTHROPIC_API_KEY: undefined,
    ANTHROPIC_AUTH_TOKEN: undefined,
    CLAUDE_CODE_OAUTH_TOKEN: undefined,
    OPENAI_API_KEY: undefined,
    CODEX_API_KEY: undefined,
  };
}

const defaultsBackend = (dir: string) =>
  /^backend = "(.*)"$/m.exec(readFileSync(join(dir, '.workgraph', 'config.toml'), 'utf8'))?.[1];

describe('wg init', () => {
  it('chooses the first agent backend that is ready, says so, and says what to do next', async () => {
    const dir = folder();
    await execa('git', ['init', '--quiet', '--initial-branch', 'main'], { cwd: dir });
    writeFileSync(join(dir, 'README.md'), '# demo\n');
    await execa('git', ['add', 'README.md'], { cwd: dir });
    await execa('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'initial'], {
      cwd: dir,
    });
    // An API key (never used: nothing is launched) makes claude, found beside wg, ready.
    const result = await runWg(['init'], {
      cwd: dir,
      env: { ...noCredentials(), ANTHROPIC_API_KEY: 'sk-ant-api03-test' },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`Initialised an empty workgraph in ${join(dir, '.workgraph')}`);
    expect(lines[1]).toBe('Each attempt will work in a git worktree of its own; results land on main');
    expect(lines[2]).toMatch(
      new RegExp(
        `^Agents run on claude \\(found \\(.*claude.*\\) with credentials\\): backend = "claude" under \\[defaults\\] in ${join(dir, '.workgraph')}/config.toml$`,
      ),
    );
    expect(defaultsBackend(dir)).toBe('claude');
    expect(result.stdout).toMatch(
      /\nNext:\n {2}wg add .*\n {2}wg run --dry-run +preview every prompt and command.*\n {2}wg doctor .*\n {2}wg run +run them$/,
    );
    // What it wrote is a config wg loads.
    expect((await runWg(['backends', '--json'], { cwd: dir })).exitCode).toBe(0);
  });

  it('chooses none when none is ready, saying why for each (an OAuth token in ANTHROPIC_API_KEY included)', async () => {
    const dir = folder();
    const result = await runWg(['init', '--json'], {
      cwd: dir,
      env: { ...noCredentials(), ANTHROPIC_API_KEY: 'sk-ant-oat01-test' },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { backend: string | null; reasons: string[]; isolation: string };
    expect(report.backend).toBeNull();
    expect(report.reasons).toEqual([
      expect.stringMatching(/^claude: ANTHROPIC_API_KEY holds an OAuth token/),
      'codex: needs an API key (OPENAI_API_KEY) or a login (codex login)',
      expect.stringMatching(/^anthropic: ANTHROPIC_API_KEY holds an OAuth token/),
    ]);
    expect(report.isolation).toBe(
      'tasks will run in place, without worktrees: not a git work tree (git init and a first commit turn worktrees on)',
    );
    expect(defaultsBackend(dir)).toBeUndefined();
  });

  it('--backend names the backend to write, and the text says why none was chosen otherwise', async () => {
    const named = folder();
    expect((await runWg(['init', '--backend', 'codex'], { cwd: named, env: noCredentials() })).stdout).toContain(
      'Agents run on codex (named by --backend)',
    );
    expect(defaultsBackend(named)).toBe('codex');
    const none = folder();
    const result = await runWg(['init'], { cwd: none, env: noCredentials() });
    expect(result.stdout).toContain(
      'No agent backend was chosen:\n  claude: needs an API key (ANTHROPIC_API_KEY) or a login (run claude, then /login)\n',
    );
    expect(result.stdout).toContain('Tasks with --exec still run (on the shell backend).');
    expect(defaultsBackend(none)).toBeUndefined();
  });
});
