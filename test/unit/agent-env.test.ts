import { describe, expect, it } from 'vitest';
import { buildAgentEnv, matchesName } from '../../src/system/agent-env.js';

const parent = {
  PATH: '/usr/bin',
  HOME: '/home/me',
  USER: 'me',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  TERM: 'xterm',
  https_proxy: 'http://proxy:3128',
  NODE_EXTRA_CA_CERTS: '/etc/ca.pem',
  WG_DEBUG: '1',
  AWS_SECRET_ACCESS_KEY: 'aws-secret',
  AWS_REGION: 'eu-west-1',
  GITHUB_TOKEN: 'ghp_secret',
  NPM_TOKEN: 'npm-secret',
  ANTHROPIC_API_KEY: 'sk-ant',
  OLDPWD: '/tmp',
  UNSET_ONE: undefined,
};

describe('the agent environment allowlist', () => {
  it('passes the basics, proxies and CA, WG_*, and withholds the rest by name', () => {
    const built = buildAgentEnv({ parent, program: [], pass: [] });
    expect(built.env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/me',
      USER: 'me',
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      TERM: 'xterm',
      https_proxy: 'http://proxy:3128',
      NODE_EXTRA_CA_CERTS: '/etc/ca.pem',
      WG_DEBUG: '1',
    });
    expect(built.withheld).toEqual([
      'ANTHROPIC_API_KEY',
      'AWS_REGION',
      'AWS_SECRET_ACCESS_KEY',
      'GITHUB_TOKEN',
      'NPM_TOKEN',
    ]);
    expect(built.passed).toEqual(Object.keys(built.env).sort());
  });

  it("passes what the backend's program reads and what env_pass names, by name or glob", () => {
    const built = buildAgentEnv({ parent, program: ['ANTHROPIC_API_KEY'], pass: ['GITHUB_TOKEN', 'AWS_RE*'] });
    expect(built.env).toMatchObject({
      ANTHROPIC_API_KEY: 'sk-ant',
      GITHUB_TOKEN: 'ghp_secret',
      AWS_REGION: 'eu-west-1',
    });
    expect(built.withheld).toEqual(['AWS_SECRET_ACCESS_KEY', 'NPM_TOKEN']);
  });

  it("leaves out a shell's bookkeeping (PWD, OLDPWD, SHLVL, _) without naming it", () => {
    const built = buildAgentEnv({
      parent: { PWD: '/x', SHLVL: '2', _: '/usr/bin/wg', PATH: '/bin' },
      program: [],
      pass: [],
    });
    expect(built).toEqual({ env: { PATH: '/bin' }, passed: ['PATH'], withheld: [] });
  });

  it('globs match whole names, case-sensitively; other characters are literal', () => {
    expect(matchesName('AWS_*', 'AWS_REGION')).toBe(true);
    expect(matchesName('AWS_*', 'MY_AWS_REGION')).toBe(false);
    expect(matchesName('LC_?', 'LC_X')).toBe(true);
    expect(matchesName('LC_?', 'LC_XY')).toBe(false);
    expect(matchesName('aws_*', 'AWS_REGION')).toBe(false);
    expect(matchesName('A.B', 'AxB')).toBe(false);
    expect(matchesName('*', 'ANYTHING')).toBe(true);
  });
});
