/**
 * The `acp` backend against a real ACP agent from npm (opencode), pointed at the scripted
 * model server's Chat Completions endpoint. With `wg init`'s settings and only
 * `--backend acp:opencode`: the task completes the protocol and its cost shows in
 * `wg cost`; a permission request outside the task's tools is refused at once and
 * recorded; a timed-out agent leaves no process behind.
 *
 * One project for the file; each case is one agent process (opencode is a large binary
 * and this machine is small).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KNOWN_ACP_AGENTS } from '../../src/acp/known-agents.js';
import { locateAcpAgent } from '../../src/backends/acp.js';
import { ACP_AGENT_ENV, OFFLINE_ENV, opencodeConfig, runEvents, runFiles as runFilesOf } from '../support/agents.js';
import { startModelServer, type ModelServer, type ModelServerScript } from '../support/model-server.js';
import { deliverableContent, toolResults } from '../support/protocol-follower.js';
import { tempProject, type Project } from '../support/wg.js';

const opencode = locateAcpAgent(KNOWN_ACP_AGENTS.opencode, undefined, '', process.cwd());
const version = opencode
  ? String((await execa(opencode.path, ['--version'], { reject: false, timeout: 30_000 })).stdout).trim()
  : undefined;
if (!version) process.stderr.write('\n*** SKIPPED acp:opencode: opencode-ai is not installed beside wg\n\n');

let project: Project;
let home: string;
const servers: ModelServer[] = [];

beforeAll(async () => {
  project = await tempProject();
  home = mkdtempSync(join(tmpdir(), 'wg-acp-home-'));
});

afterAll(async () => {
  for (const server of servers) await server.close();
  project?.cleanup();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** A model server and an opencode whose only provider is it (its model priced at $3/$15 per million tokens). */
async function opencodeEnv(
  script: ModelServerScript,
  name: string,
): Promise<{ server: ModelServer; env: Record<string, string | undefined> }> {
  const server = await startModelServer(script);
  servers.push(server);
  const config = opencodeConfig(home, server.url, name);
  return {
    server,
    env: {
      HOME: home,
      ...OFFLINE_ENV,
      OPENCODE_CONFIG: config,
      OPENCODE_DISABLE_MODELS_FETCH: '1',
      OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
    },
  };
}

/** This file's project's run files and events (see ../support/agents.ts). */
const runFiles = (taskId: string, name: string) => runFilesOf(project.dir, taskId, name);
const events = (taskId: string) => runEvents(project.dir, taskId);

/** Live processes whose environment names this project's graph: whatever the agent started. */
function processesOfProject(): string[] {
  const marker = `WG_DIR=${join(project.dir, '.workgraph')}`;
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2)[0];
      if (state === 'Z' || state === 'X') continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(marker))
        found.push(`${entry}: ${readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

describe.skipIf(!version)('acp:opencode with the settings wg init writes', () => {
  it('completes the protocol (log, progress, artifact, deliverable), and the cost opencode reports shows in wg cost', async () => {
    const { server, env } = await opencodeEnv({ followProtocol: true }, 'follow');
    await project.ok(['add', 'Make alpha', '--deliverable', 'alpha.txt']);
    const result = await project.wg(['run', 'make-alpha', '--backend', 'acp:opencode'], { env });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(server.followerErrors).toEqual([]);
    const alpha = await project.show('make-alpha');
    expect(alpha.status).toBe('done');
    const messages = alpha.log.map((entry) => entry.message);
    expect(messages).toContain('starting: Make alpha');
    expect(messages.some((message) => message.startsWith('progress 50%'))).toBe(true);
    expect(alpha.artifacts).toContain('alpha.txt');
    expect(readFileSync(join(project.dir, 'alpha.txt'), 'utf8')).toBe(
      deliverableContent({ taskId: 'make-alpha', upstreamLines: [] }, 'alpha.txt'),
    );
    // Every call the model made succeeded: the `wg` commands were asked about and allowed.
    const last = server.scripted('chat').at(-1)!;
    expect(toolResults('chat', last.body).filter((call) => !call.ok)).toEqual([]);
    const seen = events('make-alpha');
    // The prompt named wg's MCP tools as opencode offers them, and the model reported through them.
    expect(runFiles('make-alpha', 'prompt.md').join('')).toContain('`wg_log`');
    const tools = seen.filter((event) => event.type === 'tool').map((event) => String(event.summary));
    expect(
      tools.some((summary) => /wg_log/.test(summary)),
      tools.join('\n'),
    ).toBe(true);
    // opencode prices the tokens from its model config and reports dollars: wg records them as reported.
    const usage = seen.filter((event) => event.type === 'usage');
    expect(usage).toHaveLength(1);
    expect(usage[0]!.costUsd).toBeGreaterThan(0);
    const cost = await project.json<{ by_task: Array<{ key: string; costUsd: number }> }>(['cost']);
    const line = cost.by_task.find((entry) => entry.key === 'make-alpha');
    expect(line?.costUsd).toBeCloseTo(usage[0]!.costUsd, 6);
  });

  it('refuses a command outside the task tools within 2 s, and records it', async () => {
    const { server, env } = await opencodeEnv(
      { chat: [{ tool: 'bash', input: { command: 'touch refused.txt', description: 'make a file' } }] },
      'refuse',
    );
    await project.ok(['add', 'Refused work']);
    const result = await project.wg(['run', 'refused-work', '--backend', 'acp:opencode'], { env });
    expect(result.exitCode).not.toBe(0);
    const task = await project.show('refused-work');
    expect(task.status).toBe('failed');
    expect(task.failure_reason).toMatch(/permission denied.*touch refused\.txt/i);
    expect(existsSync(join(project.dir, 'refused.txt'))).toBe(false);
    const halt = events('refused-work').find((event) => event.type === 'halt' && event.kind === 'permission-denied');
    expect(halt?.rule).toBe('Bash(touch:*)');
    // Answered as it came, and the session over within 2 s of the question (opencode itself takes
    // seconds between the model's call and its question: it parses the command first).
    const seen = events('refused-work');
    expect(seen.some((event) => event.type === 'progress' && /^wg: refused/.test(event.message))).toBe(true);
    const end = seen.find((event) => event.type === 'result');
    expect(Date.parse(halt!.at)).toBeGreaterThan(server.scripted('chat')[0]!.answeredAt!);
    expect(Date.parse(end!.at) - Date.parse(halt!.at)).toBeLessThan(2000);
  });

  it('stops a timed-out agent and everything it started', async () => {
    const { env } = await opencodeEnv({ chat: [{ text: 'too late', delayMs: 120_000 }] }, 'slow');
    await project.ok(['add', 'Slow work', '--timeout', '4s']);
    const result = await project.wg(['run', 'slow-work', '--backend', 'acp:opencode'], { env });
    expect(result.exitCode).not.toBe(0);
    const task = await project.show('slow-work');
    expect(task.failure_reason).toMatch(/timed out/);
    expect(processesOfProject()).toEqual([]);
  });
});

/**
 * Other known agents (their protocol through wg's tools is in protocol-conformance-acp.test.ts): a dry run naming
 * the tools, and a model that answers 429: `limited` is what makes the agent give up (Copilot retries 5 times, the wait
 * cut short by `retry-after: 0`; Claude Code not at all with CLAUDE_CODE_MAX_RETRIES=0).
 */
const OTHERS = [
  {
    agent: 'claude-acp' as const,
    api: 'anthropic' as const,
    env: (server: ModelServer) => ACP_AGENT_ENV['claude-acp'](server.url),
    limited: 1,
  },
  {
    agent: 'copilot' as const,
    api: 'chat' as const,
    env: (server: ModelServer) => ACP_AGENT_ENV.copilot(server.url),
    limited: 6,
  },
];

for (const other of OTHERS) {
  const found = locateAcpAgent(KNOWN_ACP_AGENTS[other.agent], undefined, '', process.cwd());
  if (!found) process.stderr.write(`\n*** SKIPPED acp:${other.agent}: its npm package is not installed beside wg\n\n`);
  describe.skipIf(!found)(`acp:${other.agent} with the settings wg init writes`, () => {
    it("shows wg's tools in a dry run: the prompt and what the agent may do name them", async () => {
      const id = `dry-${other.agent}`;
      await project.ok(['add', `Dry ${other.agent}`, '--id', id]);
      const prefix = KNOWN_ACP_AGENTS[other.agent].mcpToolPrefix;
      type Plan = { steps: Array<{ prompt: string; permissions: string[] }> };
      const plan = await project.json<Plan>(['run', id, '--dry-run', '--backend', `acp:${other.agent}`]);
      expect(plan.steps[0]!.prompt).toContain(`with the \`${prefix}log\` tool`);
      expect(plan.steps[0]!.prompt).not.toContain(`\`wg log ${id}`);
      expect(plan.steps[0]!.permissions[1]).toBe(
        `use wg's tools: ${['log', 'progress', 'artifact', 'ask', 'fail', 'show', 'context'].map((tool) => `\`${prefix}${tool}\``).join(', ')}`,
      );
    });

    it('a model answering 429 pauses the backend, and the task is tried again without counting an attempt', async () => {
      const limited = { status: 429, message: 'Rate limit reached for requests', headers: { 'retry-after': '0' } };
      const server = await startModelServer({
        [other.api]: [...Array.from({ length: other.limited }, () => limited), { text: 'Done after the limit.' }],
      });
      servers.push(server);
      const config = join(project.dir, '.workgraph', 'config.toml');
      const settings = readFileSync(config, 'utf8');
      if (!settings.includes('\nrate_limit_pause = "1s"\n'))
        writeFileSync(config, settings.replace('[run]\n', '[run]\nrate_limit_pause = "1s"\n'));
      const id = `limited-${other.agent}`;
      await project.ok(['add', `Limited ${other.agent}`, '--id', id, '--max-retries', '0']);
      const env = { HOME: home, ...OFFLINE_ENV, ...other.env(server) };
      const result = await project.wg(['run', id, '--backend', `acp:${other.agent}`], { env });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`paused backend acp:${other.agent} until \\S+ \\(rate limited: .*429`));
      const task = await project.json<{ status: string; attempts?: number; retry_count?: number }>(['show', id]);
      expect(task).toMatchObject({ status: 'done', attempts: 2 });
      expect(task.retry_count ?? 0).toBe(0);
      expect(server.scripted(other.api)).toHaveLength(other.limited + 1);
    }, 120_000);
  });
}
