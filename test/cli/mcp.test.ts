/**
 * `wg mcp`: the agent protocol as MCP tools. First the server itself, started as a real
 * stdio process and driven by the MCP SDK's own client: its tools act on the lease in its
 * environment, change the graph as the CLI would, answer what the CLI prints, and are
 * refused with the CLI's message once the lease is gone. The same server over http (what
 * `wg agent-acp` serves to Copilot) refuses a caller without its token. Then the real
 * Claude Code with the settings `wg init` writes and no shell at all, the built-in agent,
 * and opencode over ACP with its shell denied, each completing the protocol through the
 * tools alone (the scripted model calls them because the prompt names them).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it, onTestFinished } from 'vitest';
import { KNOWN_ACP_AGENTS } from '../../src/acp/known-agents.js';
import { locateAcpAgent } from '../../src/backends/acp.js';
import { serveMcpHttp } from '../../src/mcp/http.js';
import { ACP_AGENT_ENV, agentProject, announceSkip, findClaude, TEST_API_KEY } from '../support/agents.js';
import { deliverableContent, toolResults } from '../support/protocol-follower.js';
import { cleanEnv, tempProject, WG_BIN, type Project } from '../support/wg.js';

type CallResult = { content: Array<{ type: string; text?: string }>; isError?: boolean };
const textOf = (result: unknown) => (result as CallResult).content.map((part) => part.text ?? '').join('\n');

describe('wg mcp, driven by the MCP SDK client', () => {
  it("offers the protocol's tools, changes the graph as the CLI does, and refuses a call once the lease is gone", async () => {
    const project = await tempProject();
    await project.ok(['add', 'Build API', '--deliverable', 'api.md']);
    await project.ok(['add', 'Use API', '--blocked-by', 'build-api']);
    const { token } = await project.json<{ token: string }>(['claim', 'build-api', '--actor', 'agent-1']);
    const env = {
      WG_TASK_ID: 'build-api',
      WG_TOKEN: token,
      WG_ACTOR: 'agent-1',
      WG_DIR: join(project.dir, '.workgraph'),
    };
    const client = new Client({ name: 'wg-test', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [WG_BIN, 'mcp'],
        cwd: project.dir,
        // Only what an agent passes on: the basics and wg's own variables.
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env },
        stderr: 'pipe',
      }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(['log', 'progress', 'artifact', 'ask', 'fail', 'show', 'context']);
      expect(tools.find((tool) => tool.name === 'log')!.inputSchema).toMatchObject({ required: ['message'] });

      // A message that looks like an option stays a message.
      expect(
        await client.callTool({ name: 'log', arguments: { message: '--force is not a flag here' } }),
      ).toMatchObject({
        isError: false,
      });
      const progress = await client.callTool({ name: 'progress', arguments: { percent: 40, message: 'half way' } });
      expect(textOf(progress)).toBe('build-api: 40%');
      writeFileSync(join(project.dir, 'api.md'), '# API\n');
      const artifact = await client.callTool({ name: 'artifact', arguments: { path: 'api.md' } });
      expect(textOf(artifact)).toBe('Registered api.md for build-api');
      const invalid = await client.callTool({ name: 'progress', arguments: { percent: 140 } });
      expect(invalid.isError).toBe(true);

      // The graph as the CLI sees it.
      const task = await project.show('build-api');
      expect(task.log.map((entry) => [entry.actor, entry.message])).toEqual(
        expect.arrayContaining([
          ['agent-1', '--force is not a flag here'],
          ['agent-1', 'progress 40%: half way'],
        ]),
      );
      expect(task.progress).toBe(40);
      expect(task.artifacts).toEqual(['api.md']);

      // Reads answer exactly what the CLI prints; another task may be read.
      const cliEnv = { ...env, NO_COLOR: '1' };
      expect(textOf(await client.callTool({ name: 'show', arguments: {} }))).toBe(
        (await project.ok(['show', 'build-api'], { env: cliEnv })).trimEnd(),
      );
      expect(textOf(await client.callTool({ name: 'context', arguments: { id: 'use-api' } }))).toBe(
        (await project.ok(['context', 'use-api'], { env: cliEnv })).trimEnd(),
      );

      // The lease goes (a person takes the task back): the next write is refused, in the CLI's words.
      await project.ok(['unclaim', 'build-api', '--force', '--reason', 'taken back']);
      const refused = await client.callTool({ name: 'log', arguments: { message: 'still here?' } });
      const cli = await project.wg(['log', 'build-api', 'still here?'], { env: cliEnv });
      expect(cli.exitCode).not.toBe(0);
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toBe(cli.stderr.trim());
      expect(textOf(refused)).toMatch(/^error: /);
      expect((await project.show('build-api')).log.map((entry) => entry.message)).not.toContain('still here?');
    } finally {
      await client.close();
    }
  });

  it('refuses to start without an attempt to serve', async () => {
    const project = await tempProject();
    const result = await project.wg(['mcp'], { env: cleanEnv() });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('WG_TASK_ID is not set');
  });
});

describe("wg's MCP server over http (for agents that take only http servers, as Copilot)", () => {
  it('answers only requests with its bearer token; with it, its tools act on the attempt as over stdio', async () => {
    const project = await tempProject();
    await project.ok(['add', 'Build API']);
    const { token } = await project.json<{ token: string }>(['claim', 'build-api', '--actor', 'agent-1']);
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      WG_TASK_ID: 'build-api',
      WG_TOKEN: token,
      WG_ACTOR: 'agent-1',
      WG_DIR: join(project.dir, '.workgraph'),
    };
    const served = await serveMcpHttp({ taskId: 'build-api', cwd: project.dir, env }, '0.0.0-test');
    onTestFinished(() => served.close());
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(served.authorization).toMatch(/^Bearer [\w-]{40,}$/);

    // Any other local process: refused before MCP sees the request, whatever it sends.
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'other', version: '1' } },
    };
    const post = (headers: Record<string, string>) =>
      fetch(served.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body: JSON.stringify(initialize),
      });
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: 'Bearer not-the-token' })).status).toBe(401);
    expect((await post({ authorization: `${served.authorization}x` })).status).toBe(401);
    const stranger = new Client({ name: 'stranger', version: '1.0.0' });
    await expect(stranger.connect(new StreamableHTTPClientTransport(new URL(served.url)))).rejects.toThrow();
    expect((await post({ authorization: served.authorization })).status).toBe(200);

    // The agent, with the header it was given in session/new.
    const client = new Client({ name: 'wg-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(served.url), {
        requestInit: { headers: { Authorization: served.authorization } },
      }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(['log', 'progress', 'artifact', 'ask', 'fail', 'show', 'context']);
      const logged = await client.callTool({ name: 'log', arguments: { message: 'over http' } });
      expect(logged.isError).toBe(false);
      expect(textOf(await client.callTool({ name: 'progress', arguments: { percent: 30 } }))).toBe('build-api: 30%');
      const task = await project.show('build-api');
      expect(task.log.map((entry) => [entry.actor, entry.message])).toContainEqual(['agent-1', 'over http']);
      expect(task.progress).toBe(30);
    } finally {
      await client.close();
    }
  });
});

describe('[run] mcp', () => {
  it("is on with wg init's settings, and `false` gives the agent shell commands instead of tools", async () => {
    const project = await tempProject();
    await project.ok(['add', 'Make alpha']);
    const env = { ANTHROPIC_API_KEY: TEST_API_KEY };
    type Plan = { steps: Array<{ args: string[]; prompt: string; permissions: string[] }> };
    const on = (await project.json<Plan>(['run', '--dry-run', '--backend', 'anthropic'], { env })).steps[0]!;
    expect(on.args).toContain('--wg-tools');
    expect(on.prompt).toContain('`wg_log`');
    expect(on.permissions[0]).toMatch(/^use wg's tools: `wg_log`/);
    const config = join(project.dir, '.workgraph', 'config.toml');
    const template = readFileSync(config, 'utf8');
    expect(template).toContain('\n# mcp = true\n');
    writeFileSync(config, template.replace('\n# mcp = true\n', '\nmcp = false\n'));
    const off = (await project.json<Plan>(['run', '--dry-run', '--backend', 'anthropic'], { env })).steps[0]!;
    expect(off.args).not.toContain('--wg-tools');
    expect(off.prompt).not.toContain('wg_log');
    expect(off.prompt).toContain('`wg log make-alpha "');
  });
});

/** What the protocol through the tools leaves in make-alpha: its log lines, progress, artifact, summary and deliverable. */
async function expectAlphaLanded(project: Project): Promise<void> {
  const task = await project.show('make-alpha');
  expect(task.status).toBe('done');
  expect(task.log.map((entry) => entry.message)).toEqual(
    expect.arrayContaining([
      'starting: Make alpha',
      'progress 50%: writing the deliverables',
      'done: 1 deliverable(s) written',
    ]),
  );
  expect(task.artifacts).toEqual(['alpha.txt']);
  expect(task.summary).toBe('Task make-alpha is complete.');
  expect(readFileSync(join(project.dir, 'alpha.txt'), 'utf8')).toBe(
    deliverableContent({ taskId: 'make-alpha', upstreamLines: [] }, 'alpha.txt'),
  );
}

const claude = await findClaude();
announceSkip('claude through wg mcp', claude);

const SUBJECTS = [
  {
    backend: 'claude',
    skip: claude.skipReason !== undefined,
    tool: (name: string) => `mcp__wg__${name}`,
    write: 'Write',
  },
  { backend: 'anthropic', skip: false, tool: (name: string) => `wg_${name}`, write: 'write_file' },
];

describe.each(SUBJECTS)("$backend through wg's tools, with no shell at all", ({ backend, skip, tool, write }) => {
  it.skipIf(skip)(
    "completes the protocol with the tools alone: logs, progress, artifact, and the task's summary",
    async () => {
      const agent = await agentProject({
        script: { followProtocol: true },
        // wg init's settings, with Bash taken away from Claude Code altogether (the built-in agent's is the task's tools).
        config: () => '',
        env: (server) => ({
          ANTHROPIC_BASE_URL: server.url,
          ANTHROPIC_API_KEY: TEST_API_KEY,
          CLAUDE_CODE_MAX_RETRIES: '0',
        }),
      });
      try {
        const { project, server, env } = agent;
        const config = join(project.dir, '.workgraph', 'config.toml');
        writeFileSync(
          config,
          `${readFileSync(config, 'utf8')}\n[backends.claude]\ndisallowed_tools = ["Bash", "Task", "Agent", "EnterWorktree", "ExitWorktree", "Workflow", "SendMessage"]\n`,
        );
        await project.ok(['add', 'Make alpha', '--deliverable', 'alpha.txt', '--tool', 'Write']);
        const result = await project.wg(['run', '--backend', backend], { env });
        expect(result.exitCode, result.stdout + result.stderr).toBe(0);
        expect(server.followerErrors).toEqual([]);

        const requests = server.scripted('anthropic');
        const first = requests[0]!.body;
        const offered = (first.tools as Array<{ name: string }>).map((entry) => entry.name);
        expect(offered).not.toContain('Bash');
        expect(offered).not.toContain('bash');
        expect(offered).toEqual(expect.arrayContaining(['log', 'progress', 'artifact', 'ask', 'fail'].map(tool)));
        // The prompt names the tools, and no shell command.
        expect(JSON.stringify(first)).toContain(`\`${tool('log')}\``);
        expect(JSON.stringify(first)).not.toContain('`wg log make-alpha');
        // Every call the model made was a wg tool or the file write, and each succeeded.
        const calls = requests
          .at(-1)!
          .body.messages.flatMap((message: any) => (Array.isArray(message.content) ? message.content : []))
          .filter((block: any) => block.type === 'tool_use')
          .map((block: any) => block.name);
        expect(calls).toEqual([tool('log'), tool('progress'), write, tool('artifact'), tool('log')]);
        const results = toolResults('anthropic', requests.at(-1)!.body);
        expect(
          results.map((entry) => entry.ok),
          JSON.stringify(results, null, 1),
        ).toEqual(Array(5).fill(true));

        await expectAlphaLanded(project);
      } finally {
        await agent.cleanup();
      }
    },
  );
});

const opencode = locateAcpAgent(KNOWN_ACP_AGENTS.opencode, undefined, '', process.cwd());
if (!opencode)
  process.stderr.write('\n*** SKIPPED acp:opencode through wg mcp: opencode-ai is not installed beside wg\n\n');

describe.skipIf(!opencode)("acp:opencode through wg's tools, with its shell denied", () => {
  it('completes the protocol with the tools alone, its shell tool never offered', async () => {
    const agent = await agentProject({
      script: { followProtocol: true },
      config: () => '',
      // wg init's settings; opencode itself told to deny every shell command (it then leaves bash out of the model's tools).
      env: (server, home) => ({
        ...ACP_AGENT_ENV.opencode(server.url, home),
        OPENCODE_PERMISSION: '{"bash":"deny"}',
      }),
    });
    try {
      const { project, server, env } = agent;
      await project.ok(['add', 'Make alpha', '--deliverable', 'alpha.txt']);
      const result = await project.wg(['run', '--backend', 'acp:opencode'], { env });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      expect(server.followerErrors).toEqual([]);
      const requests = server.scripted('chat');
      const offered = (requests[0]!.body.tools as Array<{ function: { name: string } }>).map(
        (tool) => tool.function.name,
      );
      expect(offered).not.toContain('bash');
      expect(offered).toEqual(expect.arrayContaining(['wg_log', 'wg_progress', 'wg_artifact', 'wg_ask', 'wg_fail']));
      const calls = requests
        .at(-1)!
        .body.messages.flatMap((message: any) => message.tool_calls ?? [])
        .map((call: any) => call.function.name);
      expect(calls).toEqual(['wg_log', 'wg_progress', 'write', 'wg_artifact', 'wg_log']);
      expect(toolResults('chat', requests.at(-1)!.body).map((entry) => entry.ok)).toEqual(Array(5).fill(true));
      await expectAlphaLanded(project);
    } finally {
      await agent.cleanup();
    }
  }, 240_000);
});
