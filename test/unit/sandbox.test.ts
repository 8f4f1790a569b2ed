/** The sandbox's pure parts: the order of bwrap's mounts, and wg doctor's lines about it. */
import { describe, expect, it } from 'vitest';
import { bwrapOptions, sandboxMounts, type SandboxPlan } from '../../src/sandbox/bwrap.js';
import { codexHomeCheck, sandboxCheck } from '../../src/doctor/checks-sandbox.js';
import { claudeSandboxSettings } from '../../src/backends/claude.js';
import { probeSandbox } from '../../src/sandbox/probe.js';

const plan = (over: Partial<SandboxPlan> = {}): SandboxPlan => ({
  tree: '/tmp/p/.workgraph/worktrees/t/1',
  workgraphDir: '/tmp/p/.workgraph',
  keep: ['/tmp/p', '/opt/wg', '/usr/bin'],
  temp: ['/tmp'],
  network: false,
  ...over,
});

describe('sandbox mounts', () => {
  it('a private /tmp first, then what it hides, then each folder before the folders inside it', () => {
    expect(sandboxMounts(plan())).toEqual([
      { kind: 'tmpfs', path: '/tmp' },
      { kind: 'ro', path: '/tmp/p' },
      { kind: 'rw', path: '/tmp/p/.workgraph' },
      { kind: 'ro', path: '/tmp/p/.workgraph/worktrees' },
      { kind: 'ro', path: '/tmp/p/.workgraph/config.toml' },
      { kind: 'rw', path: '/tmp/p/.workgraph/worktrees/t/1' },
    ]);
  });

  it('without worktrees the project is the tree, bound before .workgraph so config.toml stays read-only', () => {
    const mounts = sandboxMounts(plan({ tree: '/srv/p', workgraphDir: '/srv/p/.workgraph', keep: ['/srv/p'] }));
    expect(mounts.map((mount) => `${mount.kind} ${mount.path}`)).toEqual([
      'tmpfs /tmp',
      'rw /srv/p',
      'rw /srv/p/.workgraph',
      'ro /srv/p/.workgraph/worktrees',
      'ro /srv/p/.workgraph/config.toml',
    ]);
  });

  it('the network is off unless asked for, and the options end with --', () => {
    expect(bwrapOptions(plan(), '/w')).toContain('--unshare-net');
    expect(bwrapOptions(plan({ network: true }), '/w')).not.toContain('--unshare-net');
    expect(bwrapOptions(plan(), '/w').slice(-3)).toEqual(['--chdir', '/w', '--']);
  });
});

describe("wg doctor's sandbox lines", () => {
  const facts = { tasks: ['a'], network: false, postgres: false };
  it('fails with the reason bwrap gave, and on PostgreSQL without the network', () => {
    expect(sandboxCheck({ ...facts, probe: { ok: false, reason: 'bwrap is not installed' } })).toMatchObject({
      status: 'fail',
      detail: 'for task a: bwrap is not installed',
    });
    expect(sandboxCheck({ ...facts, postgres: true, probe: { ok: true, version: 'bubblewrap 0.8.0' } }).status).toBe(
      'fail',
    );
    expect(sandboxCheck({ ...facts, probe: { ok: true, version: 'bubblewrap 0.8.0' } }).status).toBe('ok');
    expect(sandboxCheck({ ...facts, tasks: [], probe: undefined }).status).toBe('skip');
  });

  it('warns about a CODEX_HOME under the temp folder', () => {
    expect(codexHomeCheck('backend codex', { home: '/tmp/h/.codex', temp: '/tmp' })).toMatchObject({
      status: 'warn',
      name: 'backend codex CODEX_HOME',
    });
  });
});

it("Claude Code's sandbox as wg turns it on: must start, no escape, no auto-approval, the graph writable", () => {
  expect(claudeSandboxSettings('/p/.workgraph')).toEqual({
    sandbox: {
      enabled: true,
      failIfUnavailable: true,
      allowUnsandboxedCommands: false,
      autoAllowBashIfSandboxed: false,
      filesystem: { allowWrite: ['/p/.workgraph'] },
    },
  });
});

it('where bwrap is not installed, the trial says so and how to install it', async () => {
  expect(await probeSandbox(false, { PATH: '/nonexistent-wg-bin' })).toEqual({
    ok: false,
    reason: 'bwrap is not installed (on Debian and Ubuntu: apt-get install bubblewrap)',
  });
});
