/** `wg backends`: what each backend's program is, its version, and what it still lacks. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findClaude, findCodex } from '../support/agents.js';
import type { BackendReport } from '../../src/backends/probe.js';
import { tempProject, type Project } from '../support/wg.js';

const claude = await findClaude();
const codex = await findCodex();

let project: Project | undefined;
let home: string | undefined;
afterEach(() => {
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('wg backends', () => {
  it('reports each program, its version and what is missing, including typed tables', async () => {
    project = await tempProject();
    home = mkdtempSync(join(tmpdir(), 'wg-backends-home-'));
    writeFileSync(
      join(project.dir, '.workgraph', 'config.toml'),
      '[backends.reviewer]\ntype = "claude"\n\n[backends.lister]\ntype = "command"\nargv = ["ls", "{prompt_file}"]\n',
    );
    const env = {
      HOME: home,
      ANTHROPIC_API_KEY: undefined,
      OPENAI_API_KEY: undefined,
      CODEX_HOME: undefined,
      CLAUDE_CONFIG_DIR: undefined,
      ANTHROPIC_AUTH_TOKEN: undefined,
      CLAUDE_CODE_OAUTH_TOKEN: undefined,
      CODEX_API_KEY: undefined,
    };
    const reports = await project.json<BackendReport[]>(['backends'], { env });
    const byName = new Map(reports.map((report) => [report.name, report]));
    expect([...byName.keys()]).toEqual([
      'shell',
      'command',
      'claude',
      'codex',
      'anthropic',
      'acp:opencode',
      'acp:copilot',
      'acp:claude-acp',
      'acp:gemini',
      'acp:qwen',
      'acp:codex-acp',
      'reviewer',
      'lister',
    ]);
    // The ACP agents installed beside wg (the test dependencies) are found; the others are named as missing.
    expect(byName.get('acp:opencode')!.version).toMatch(/1\.18\.33/);
    expect(byName.get('acp:claude-acp')!.program).toMatch(/claude-agent-acp/);
    expect(byName.get('acp:gemini')!.missing).toEqual(['the gemini program (npm install -g @google/gemini-cli)']);
    expect(byName.get('shell')!.missing).toEqual([]);
    expect(byName.get('command')!.missing).toEqual(['argv under [backends.command] in .workgraph/config.toml']);
    expect(byName.get('lister')).toMatchObject({ type: 'command', source: 'PATH', missing: [] });
    expect(byName.get('anthropic')!.version).toMatch(/^@anthropic-ai\/sdk \d+\.\d+\.\d+/);
    expect(byName.get('anthropic')!.missing).toEqual(['an API key (ANTHROPIC_API_KEY)']);
    if (!claude.skipReason) {
      expect(byName.get('claude')).toMatchObject({
        version: claude.version,
        missing: ['an API key (ANTHROPIC_API_KEY) or a login (run claude, then /login)'],
      });
      expect(byName.get('reviewer')).toMatchObject({ type: 'claude', version: claude.version });
    }
    if (!codex.skipReason)
      expect(byName.get('codex')).toMatchObject({
        version: codex.version,
        missing: ['an API key (OPENAI_API_KEY) or a login (codex login)'],
      });

    const ready = await project.json<BackendReport[]>(['backends'], {
      env: { ...env, ANTHROPIC_API_KEY: 'sk-x', OPENAI_API_KEY: 'sk-y' },
    });
    expect(ready.find((report) => report.name === 'anthropic')!.missing).toEqual([]);
    if (!claude.skipReason) expect(ready.find((report) => report.name === 'claude')!.missing).toEqual([]);
    if (!codex.skipReason) expect(ready.find((report) => report.name === 'codex')!.missing).toEqual([]);
    const table = await project.ok(['backends'], { env });
    expect(table).toMatch(/^BACKEND\s+STATUS\s+PROGRAM\s+VERSION\s+MISSING/);
    expect(table).toMatch(/^anthropic\s+missing\s+/m);
    // What an agent may do by default, per backend: exactly the protocol's commands for Claude Code.
    expect(byName.get('claude')!.permissions).toContain(
      'run `wg log`, `wg progress`, `wg artifact`, `wg ask`, `wg fail`, `wg show`, `wg context` with Bash',
    );
    expect(byName.get('codex')!.permissions.join('\n')).toContain('`wg` is on PATH in its (non-login) shell');
    expect(byName.get('anthropic')!.permissions.join('\n')).toContain(
      'run any command with bash in the working directory',
    );
    expect(table).toContain('What an agent may do without asking, by default');
    expect(table).toMatch(/^claude:\n  - read files, and create and edit files in the working directory/m);

    writeFileSync(join(project.dir, '.workgraph', 'config.toml'), '[backends.codex]\nsandbox = "open"\n');
    const broken = await project.json<BackendReport[]>(['backends'], { env: { ...env, OPENAI_API_KEY: 'sk-y' } });
    expect(broken.find((report) => report.name === 'codex')!.missing.join('\n')).toMatch(
      /a usable table: config\.toml \[backends\.codex\]: sandbox: /,
    );
  });

  it('works outside a project, and --help has an example', async () => {
    home = mkdtempSync(join(tmpdir(), 'wg-backends-home-'));
    const { runWg } = await import('../support/wg.js');
    const result = await runWg(['backends', '--json'], { cwd: home, env: { HOME: home } });
    expect(result.exitCode, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as BackendReport[]).map((report) => report.name)).toEqual([
      'shell',
      'command',
      'claude',
      'codex',
      'anthropic',
      'acp:opencode',
      'acp:copilot',
      'acp:claude-acp',
      'acp:gemini',
      'acp:qwen',
      'acp:codex-acp',
    ]);
    expect((await runWg(['backends', '--help'])).stdout).toContain('Examples:\n  wg backends');
  });
});
