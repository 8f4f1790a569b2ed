/** `wg doctor`'s pure verdicts, on literal facts. */
import { describe, expect, it } from 'vitest';
import { agentPathCheck, backendChecks } from '../../src/doctor/checks.js';
import { closestId } from '../../src/doctor/checks-graph.js';
import { chooseDefaultBackend } from '../../src/doctor/choose-backend.js';
import { verifyProgram } from '../../src/doctor/gather.js';
import { credentialTrap } from '../../src/doctor/launch.js';
import { exitCodeOf, type Check } from '../../src/doctor/types.js';
import type { BackendReport } from '../../src/backends/probe.js';

const report = (name: string, extra: Partial<BackendReport> = {}): BackendReport => ({
  name,
  type: name,
  program: `/bin/${name}`,
  source: 'PATH',
  version: null,
  missing: [],
  permissions: [],
  ...extra,
});

describe('wg doctor verdicts', () => {
  it('exit code: 1 for any failure, else 2 for any warning, else 0 (skips count for nothing)', () => {
    const line = (status: Check['status']): Check => ({ area: 'git', name: status, status, detail: '' });
    expect(exitCodeOf([line('ok'), line('skip')])).toBe(0);
    expect(exitCodeOf([line('ok'), line('warn'), line('skip')])).toBe(2);
    expect(exitCodeOf([line('warn'), line('fail')])).toBe(1);
  });

  it('a mistyped blocker: the close spelling, or one id containing the other; nothing for an unrelated id', () => {
    const ids = ['design-api', 'build-api', 'write-docs'];
    expect(closestId('desing-api', ids)).toBe('design-api');
    expect(closestId('docs', ids)).toBe('write-docs');
    expect(closestId('deploy', ids)).toBeUndefined();
  });

  it("a verify command's program: after VAR=value, shell words and builtins need nothing", () => {
    expect(verifyProgram('npx ava --fail-fast')).toBe('npx');
    expect(verifyProgram('CI=1 NODE_ENV=test npm test')).toBe('npm');
    expect(verifyProgram('./scripts/check.sh && echo ok')).toBe('./scripts/check.sh');
    expect(verifyProgram('test -f a.txt')).toBeUndefined();
    expect(verifyProgram('cd web && npm test')).toBeUndefined();
    expect(verifyProgram('$CHECKER')).toBeUndefined();
  });

  it('an OAuth token in ANTHROPIC_API_KEY is a trap for claude and anthropic only', () => {
    const env = { ANTHROPIC_API_KEY: 'sk-ant-oat01-abc' };
    expect(credentialTrap('claude', env)?.fix).toMatch(/CLAUDE_CODE_OAUTH_TOKEN/);
    expect(credentialTrap('anthropic', env)?.message).toMatch(/takes only API keys/);
    expect(credentialTrap('codex', env)).toBeUndefined();
    expect(credentialTrap('claude', { ANTHROPIC_API_KEY: 'sk-ant-api03-abc' })).toBeUndefined();
  });

  it("wg init's pick: the first ready of claude, codex, anthropic; a macOS claude without visible credentials still counts", () => {
    const missing = ['an API key (ANTHROPIC_API_KEY) or a login (run claude, then /login)'];
    expect(
      chooseDefaultBackend([report('claude', { missing }), report('codex'), report('anthropic')], {}, 'linux'),
    ).toMatchObject({ backend: 'codex' });
    expect(
      chooseDefaultBackend(
        [report('claude', { missing }), report('codex', { program: null, missing: ['the codex program'] })],
        {},
        'darwin',
      ),
    ).toMatchObject({ backend: 'claude' });
    expect(
      chooseDefaultBackend(
        [
          report('claude', {
            program: null,
            missing: ['the claude program (npm install -g @anthropic-ai/claude-code)'],
          }),
        ],
        {},
        'linux',
      ),
    ).toEqual({
      backend: undefined,
      reasons: ['claude: the claude program (npm install -g @anthropic-ai/claude-code)'],
    });
  });

  it('flags: refused is a failure naming the flag; an answer within the time is needed to judge at all', () => {
    const launch = {
      name: 'codex',
      type: 'codex',
      tasks: ['t'],
      spec: { file: '/bin/codex', args: [], cwd: '/', env: {} },
      fault: undefined,
    };
    const flags = (probe: NonNullable<Parameters<typeof backendChecks>[0]['flags']>) =>
      backendChecks({ launch, report: report('codex'), flags: probe, isDefault: false }).find(
        (check) => check.name === 'backend codex flags',
      )!;
    expect(
      flags({
        kind: 'answered',
        exitCode: 2,
        output: "error: unexpected argument '--nope' found\n\nUsage: codex exec",
      }),
    ).toMatchObject({ status: 'fail', detail: expect.stringContaining("unexpected argument '--nope'") });
    expect(flags({ kind: 'answered', exitCode: 0, output: 'codex-cli-exec 0.169.0' }).status).toBe('ok');
    expect(flags({ kind: 'timed-out', afterMs: 2000 }).status).toBe('skip');
  });

  it('claude with both a login and ANTHROPIC_API_KEY: a warning that the key, not the subscription, pays', () => {
    const launch = (key: string | undefined) => ({
      name: 'claude',
      type: 'claude',
      tasks: ['t'],
      spec: { file: '/bin/claude', args: [], cwd: '/', env: { ANTHROPIC_API_KEY: key } },
      fault: undefined,
    });
    const billing = (key: string | undefined, claudeLogin: boolean) =>
      backendChecks({
        launch: launch(key),
        report: report('claude'),
        flags: undefined,
        isDefault: true,
        claudeLogin,
      }).find((check) => check.name === 'backend claude billing');
    expect(billing('sk-ant-api03-x', true)).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('unset ANTHROPIC_API_KEY'),
    });
    expect(billing('sk-ant-api03-x', false)).toBeUndefined();
    expect(billing(undefined, true)).toBeUndefined();
  });

  it("the agent's PATH: this wg first is fine; another wg, or none, fails and names the backend's env", () => {
    const expected = '/opt/wg/bin/wg';
    expect(
      agentPathCheck({ expected, backends: [], shell: { kind: 'answered', exitCode: 0, output: `${expected}\n` } })
        .status,
    ).toBe('ok');
    expect(
      agentPathCheck({
        expected,
        backends: ['mine'],
        shell: { kind: 'answered', exitCode: 0, output: '/usr/bin/wg\n' },
      }),
    ).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('finds /usr/bin/wg'),
      fix: expect.stringContaining('[backends.mine]'),
    });
    expect(
      agentPathCheck({ expected, backends: [], shell: { kind: 'answered', exitCode: 1, output: '' } }).status,
    ).toBe('fail');
    expect(agentPathCheck({ expected, backends: [], shell: { kind: 'timed-out', afterMs: 2000 } }).status).toBe('skip');
  });
});
