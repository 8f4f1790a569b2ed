/**
 * `[run] sandbox = "bwrap"`: agents run under the real bubblewrap, with real processes. Where
 * bwrap cannot start a sandbox the tests that need it say so and skip; the test of a sandbox
 * that cannot start runs everywhere (its bwrap is a stand-in that fails as a refused one does).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeSandbox } from '../../src/sandbox/probe.js';
import { agentProject, findClaude, findCodex, TEST_API_KEY } from '../support/agents.js';
import { git, initRepo } from '../support/git.js';
import { tempProject, type ShownTask } from '../support/wg.js';

const probe = await probeSandbox(false);
if (!probe.ok) process.stderr.write(`\n*** SKIPPED the bubblewrap sandbox tests: ${probe.reason}\n\n`);
const claude = await findClaude();
const codex = await findCodex();
if (claude.skipReason) process.stderr.write(`\n*** SKIPPED Claude Code's own sandbox test: ${claude.skipReason}\n\n`);

/** A server on loopback that counts who reached it. */
let server: Server;
let hits = 0;
let url = '';
/** A folder outside the project and outside the temp folder, where no sandboxed agent may write. */
let outside = '';
beforeAll(async () => {
  server = createServer((_request, response) => {
    hits += 1;
    response.end('reached\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  mkdirSync(join(process.cwd(), 'node_modules', '.cache'), { recursive: true });
  outside = mkdtempSync(join(process.cwd(), 'node_modules', '.cache', 'wg-sandbox-outside-'));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(outside, { recursive: true, force: true });
});

/** A shell command that says whether node could fetch `url`: `net: reached` or `net: unreachable`. */
const fetchLine = () =>
  `node -e 'fetch(process.argv[1]).then(() => console.log("net: reached"), () => console.log("net: unreachable"))' ${url}`;

/** config.toml with these lines added to the [run] table `wg init` writes. */
const inRun = (config: string, lines: string) => config.replace(/^\[run\]\n/m, `[run]\n${lines}\n`);

const messages = (task: ShownTask) => task.log.map((entry) => entry.message);
const output = (dir: string, task: string) =>
  readFileSync(join(dir, '.workgraph', 'runs', task, '1', 'output.log'), 'utf8');

describe.skipIf(!probe.ok)(`bubblewrap sandbox (${probe.ok ? probe.version : 'bwrap cannot start here'})`, () => {
  it("wg init's defaults with a task's --sandbox bwrap: writes only in its worktree, no loopback server, while wg log and wg artifact land", async () => {
    const project = await tempProject();
    await initRepo(project.dir);
    const hostTemp = join(tmpdir(), `wg-sandbox-escape-${process.pid}`);
    const script = [
      'echo made > made.txt',
      'wg log confined "logged from inside"',
      'wg artifact confined made.txt',
      // The checkout outside the worktree, a folder elsewhere, and the temp folder (a private one inside).
      `echo x > ${project.dir}/escaped.txt || echo "checkout: refused"`,
      `echo x > ${outside}/escaped.txt || echo "outside: refused"`,
      `echo x > ${hostTemp} && echo "temp: written"`,
      fetchLine(),
    ].join('; ');
    await project.ok(['add', 'Confined', '--id', 'confined', '--sandbox', 'bwrap', '--exec', script]);
    const result = await project.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);

    const said = output(project.dir, 'confined');
    expect(said).toContain('checkout: refused');
    expect(said).toContain('outside: refused');
    expect(said).toContain('net: unreachable');
    expect(said).toContain('temp: written');
    expect(hits).toBe(0);
    expect(existsSync(join(project.dir, 'escaped.txt'))).toBe(false);
    expect(existsSync(join(outside, 'escaped.txt'))).toBe(false);
    expect(existsSync(hostTemp)).toBe(false);
    // What it wrote in its worktree landed; what it reported reached the graph.
    expect(await git(project.dir, 'show', 'main:made.txt')).toBe('made');
    const task = await project.show('confined');
    expect(task.status).toBe('done');
    expect(messages(task)).toContain('logged from inside');
    expect(task.artifacts).toEqual(['made.txt']);
    expect(messages(task).some((line) => line.startsWith('sandbox: the agent runs in bubblewrap'))).toBe(true);
    const command = JSON.parse(
      readFileSync(join(project.dir, '.workgraph', 'runs', 'confined', '1', 'command.json'), 'utf8'),
    );
    expect(command.file).toBe('bwrap');
  });

  it('[run] sandbox_network = true keeps the network, and config.toml stays read-only to the agent', async () => {
    const project = await tempProject();
    const config = join(project.dir, '.workgraph', 'config.toml');
    writeFileSync(config, inRun(readFileSync(config, 'utf8'), 'sandbox = "bwrap"\nsandbox_network = true'));
    const before = hits;
    const settings = readFileSync(config, 'utf8');
    await project.ok([
      'add',
      'Online',
      '--id',
      'online',
      '--exec',
      `${fetchLine()}; echo 'sandbox = "none"' >> .workgraph/config.toml || echo "config: refused"`,
    ]);
    const result = await project.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const said = output(project.dir, 'online');
    expect(said).toContain('net: reached');
    expect(hits).toBe(before + 1);
    expect(said).toContain('config: refused');
    expect(readFileSync(config, 'utf8')).toBe(settings);
  });

  it('the built-in agent reaches its model, while each of its bash commands runs in the sandbox', async () => {
    const agent = await agentProject({
      script: {
        anthropic: [
          {
            tool: 'bash',
            input: {
              command: `wg log bashing "from bash"; echo x > ${outside}/agent.txt || echo "outside: refused"; ${fetchLine()}`,
            },
          },
          { text: 'Done.' },
        ],
      },
      config: (serverUrl) =>
        `[defaults]\nbackend = "anthropic"\nmodel = "claude-scripted-1"\nmax_retries = 0\n\n[backends.anthropic]\nbase_url = "${serverUrl}"\n\n[run]\nsandbox = "bwrap"\n`,
      env: () => ({ ANTHROPIC_API_KEY: TEST_API_KEY }),
    });
    try {
      await agent.project.ok(['add', 'Bashing', '--id', 'bashing']);
      const before = hits;
      const result = await agent.project.wg(['run'], { env: agent.env });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      const last = agent.server.scripted('anthropic').at(-1)!.body.messages.at(-1);
      const tool = last.content.find((block: { type: string }) => block.type === 'tool_result');
      const text = JSON.stringify(tool.content);
      expect(text).toContain('outside: refused');
      expect(text).toContain('net: unreachable');
      expect(hits).toBe(before);
      expect(existsSync(join(outside, 'agent.txt'))).toBe(false);
      expect(messages(await agent.project.show('bashing'))).toContain('from bash');
    } finally {
      await agent.cleanup();
    }
  });
});

describe.skipIf(!probe.ok || claude.skipReason !== undefined)(`Claude Code's own sandbox (${claude.version})`, () => {
  it('[run] sandbox = "bwrap" turns it on: Bash writes only in the worktree and the graph, and reaches no loopback server', async () => {
    const command = [
      'wg log confined "from claude"',
      'echo made > made.txt',
      `echo x > ${outside}/claude.txt || echo "outside: refused"`,
      fetchLine(),
    ].join('; ');
    const agent = await agentProject({
      script: { anthropic: [{ tool: 'Bash', input: { command, description: 'try' } }, { text: 'Done.' }] },
      config: () =>
        `[defaults]\nbackend = "claude"\nmodel = "claude-scripted-1"\nmax_retries = 0\n\n[backends.claude]\ncommand = ${JSON.stringify(claude.path)}\n\n[run]\nsandbox = "bwrap"\n`,
      env: (server) => ({
        ANTHROPIC_BASE_URL: server.url,
        ANTHROPIC_API_KEY: TEST_API_KEY,
        CLAUDE_CODE_MAX_RETRIES: '0',
      }),
    });
    try {
      await initRepo(agent.project.dir);
      // Being sandboxed approves no command: the task grants Bash.
      await agent.project.ok(['add', 'Confined', '--id', 'confined', '--tool', 'Bash']);
      const before = hits;
      const result = await agent.project.wg(['run'], { env: agent.env });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      const last = agent.server.scripted('anthropic').at(-1)!.body.messages.at(-1);
      const text = JSON.stringify(last.content.find((block: { type: string }) => block.type === 'tool_result').content);
      expect(text).toContain('outside: refused');
      expect(text).toContain('net: unreachable');
      expect(hits).toBe(before);
      expect(existsSync(join(outside, 'claude.txt'))).toBe(false);
      expect(await git(agent.project.dir, 'show', 'main:made.txt')).toBe('made');
      expect(messages(await agent.project.show('confined'))).toContain('from claude');
      const args: string[] = JSON.parse(
        readFileSync(join(agent.project.dir, '.workgraph', 'runs', 'confined', '1', 'command.json'), 'utf8'),
      ).args;
      expect(JSON.parse(args[args.indexOf('--settings') + 1]!).sandbox).toMatchObject({
        enabled: true,
        allowUnsandboxedCommands: false,
      });
    } finally {
      await agent.cleanup();
    }
  });
});

describe('a sandbox that cannot start', () => {
  it('ends the attempt as invalid-configuration with bwrap’s reason, runs nothing, and wg doctor fails with it', async () => {
    const project = await tempProject();
    // A bwrap that fails as one does where user namespaces are refused.
    const bin = join(project.dir, 'fake-bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'bwrap'),
      '#!/bin/sh\nif [ "$1" = --version ]; then echo "bubblewrap 0.8.0"; exit 0; fi\necho "bwrap: No permissions to create a new namespace" >&2\nexit 1\n',
    );
    chmodSync(join(bin, 'bwrap'), 0o755);
    const env = { PATH: `${bin}:${process.env.PATH}` };
    await project.ok(['add', 'Never', '--id', 'never', '--max-retries', '2', '--exec', 'echo ran > ran.txt']);
    const result = await project.wg(['run', '--sandbox', 'bwrap'], { env });
    expect(result.exitCode).toBe(1);
    const task = await project.show('never');
    expect(task.status).toBe('failed');
    expect(task.failure_reason).toContain(
      'invalid configuration: sandbox = "bwrap": bwrap cannot start a sandbox here',
    );
    expect(task.failure_reason).toContain('No permissions to create a new namespace');
    // Not the agent's failure: not retried, and the agent never ran.
    expect(task.attempts).toBe(1);
    expect(existsSync(join(project.dir, 'ran.txt'))).toBe(false);

    const config = join(project.dir, '.workgraph', 'config.toml');
    writeFileSync(config, inRun(readFileSync(config, 'utf8'), 'sandbox = "bwrap"'));
    await project.ok(['retry', 'never']);
    // A codex task whose CODEX_HOME lies under the temp folder, with a bwrap on PATH: Codex's own sandbox would fail.
    await project.ok(['add', 'Codex', '--id', 'codexed', '--backend', 'codex']);
    const doctor = await project.wg(['doctor'], { env: { ...env, CODEX_HOME: join(tmpdir(), 'wg-codex-home') } });
    expect(doctor.exitCode, doctor.stdout).toBe(1);
    expect(doctor.stdout).toMatch(
      /FAIL\s+sandbox: for task never: bwrap cannot start a sandbox here: bwrap: No permissions/,
    );
    if (codex.skipReason === undefined)
      expect(doctor.stdout).toMatch(/warn\s+backend codex CODEX_HOME: .*wg-codex-home is under the temp folder/);
  });
});
