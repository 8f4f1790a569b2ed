/**
 * The `acp` backend against Gemini CLI, Qwen Code and Codex's ACP adapter, the real
 * programs from npm pointed at the scripted model server (Gemini API, Chat Completions,
 * OpenAI Responses), each with `wg init`'s settings and only `--backend acp:NAME`: the
 * protocol lands (log, progress, artifact, the deliverable) with every call the model made
 * succeeding, and the session's end leaves no process (Gemini re-executes itself: with only
 * the child stopped, its pipes stay open and `wg run` never ends); a spent rate limit is read
 * as one; a timed-out agent, stopped mid-turn, leaves no process either.
 *
 * They are not devDependencies (installing them would cost CI minutes): each is looked for
 * beside wg, as the backend does, then in the npm prefix WG_TEST_AGENTS_PREFIX names
 * (`npm install --prefix DIR @google/gemini-cli@0.61.0 @qwen-code/qwen-code@0.15.10
 * @zed-industries/codex-acp@0.16.0`); one found only there is named by `command` in the
 * project's config.toml. One missing is skipped, loudly.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KNOWN_ACP_AGENTS, type KnownAcpAgentName } from '../../src/acp/known-agents.js';
import { locateAcpAgent } from '../../src/backends/acp.js';
import { findProgram, platformSuffix } from '../../src/backends/find-program.js';
import { AGENT_HOMES, OFFLINE_ENV, runEvents, runFiles, TEST_API_KEY } from '../support/agents.js';
import { processesOf } from '../support/fault.js';
import {
  startModelServer,
  type Api,
  type ModelServer,
  type ModelServerScript,
  type ScriptedReply,
} from '../support/model-server.js';
import { deliverableContent, toolResults } from '../support/protocol-follower.js';
import { tempProject, type Project } from '../support/wg.js';

const PREFIX = process.env.WG_TEST_AGENTS_PREFIX;

/** The agent's program: beside wg (as `wg run` finds it), else in WG_TEST_AGENTS_PREFIX. */
function findAgent(name: KnownAcpAgentName): { path: string; configured: boolean } | undefined {
  const agent = KNOWN_ACP_AGENTS[name];
  const beside = locateAcpAgent(agent, undefined, '', process.cwd());
  if (beside) return { path: beside.path, configured: false };
  if (!PREFIX) return undefined;
  const packaged = agent.packaged.map((entry) => ({
    ...entry,
    packageName: entry.packageName.replace('{platform}', platformSuffix()),
  }));
  const found = findProgram(agent.program, {
    pathVariable: '',
    packaged,
    resolvePackage: (packageName) => {
      const folder = join(PREFIX, 'node_modules', packageName);
      return existsSync(join(folder, 'package.json')) ? folder : undefined;
    },
  });
  return found ? { path: found.path, configured: true } : undefined;
}

/** The version the package says it is (the programs' own --version would start a whole CLI). */
function versionOf(name: KnownAcpAgentName, path: string): string {
  let folder = path;
  while (folder !== '/') {
    folder = join(folder, '..');
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  }
  return `? (${name})`;
}

interface AgentCase {
  name: KnownAcpAgentName;
  api: Api;
  /** wg's log tool as the prompt names it, where the agent's model sees wg's MCP tools (else the prompt names `wg log`). */
  logTool?: string;
  /** What its provider answers when a rate limit is spent, how many requests one attempt makes of it, and what the agent then says. */
  rateLimit: { reply: ScriptedReply; times: number; says: RegExp } | { skip: string };
  /** The agent's own setup in its temporary home, and the variables that point it at the server. */
  setup(server: ModelServer, home: string): Record<string, string | undefined>;
}

const CASES: AgentCase[] = [
  {
    name: 'gemini',
    api: 'gemini',
    logTool: 'mcp_wg_log',
    // The Gemini API's answer once a free tier's daily requests are spent: Gemini CLI does not retry a daily quota.
    rateLimit: {
      reply: {
        status: 429,
        message:
          'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
            violations: [
              {
                quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
                quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier',
                quotaValue: '250',
              },
            ],
          },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '25s' },
        ],
      },
      times: 1,
      says: /rate limited: acp:gemini: You have exhausted your daily quota on this model\./,
    },
    setup: (server, home) => {
      // Without an auth type chosen in its settings Gemini CLI exits ("Invalid auth method selected").
      mkdirSync(join(home, '.gemini'), { recursive: true });
      writeFileSync(
        join(home, '.gemini', 'settings.json'),
        JSON.stringify({
          security: { auth: { selectedType: 'gemini-api-key' } },
          general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
          privacy: { usageStatisticsEnabled: false },
          telemetry: { enabled: false },
          model: { name: 'gemini-2.5-flash' },
        }),
      );
      // No GEMINI_CLI_TRUST_WORKSPACE: wg sets it (in a folder it does not trust, Gemini CLI drops the MCP servers it is given).
      return { GEMINI_API_KEY: TEST_API_KEY, GOOGLE_GEMINI_BASE_URL: server.url };
    },
  },
  {
    name: 'qwen',
    api: 'chat',
    rateLimit: {
      skip: 'Qwen Code 0.15.10 retries a 429 itself for minutes to hours (10 rounds 60 s to 5 min apart, each of 7 attempts), so no answer reaches wg within a test',
    },
    setup: (server, home) => {
      mkdirSync(join(home, '.qwen'), { recursive: true });
      writeFileSync(
        join(home, '.qwen', 'settings.json'),
        JSON.stringify({ security: { auth: { selectedType: 'openai' } }, model: { name: 'gpt-test' } }),
      );
      return { OPENAI_API_KEY: TEST_API_KEY, OPENAI_BASE_URL: `${server.url}/v1`, OPENAI_MODEL: 'gpt-test' };
    },
  },
  {
    name: 'codex-acp',
    api: 'openai',
    logTool: 'mcp__wg__log',
    rateLimit: {
      reply: { status: 429, message: 'Rate limit reached for requests' },
      times: 1,
      says: /rate limited: acp:codex-acp: Internal error: exceeded retry limit, last status: 429 Too Many Requests/,
    },
    setup: (server, home) => {
      const codexHome = join(home, 'codex-home');
      mkdirSync(codexHome, { recursive: true });
      // A login shell would rebuild PATH without the `wg` wg put on it. The key is read from a variable wg passes to Codex.
      writeFileSync(
        join(codexHome, 'config.toml'),
        [
          'allow_login_shell = false',
          'model = "gpt-test"',
          'model_provider = "local"',
          '[model_providers.local]',
          'name = "local"',
          `base_url = "${server.url}/v1"`,
          'env_key = "OPENAI_API_KEY"',
          'wire_api = "responses"',
          '',
        ].join('\n'),
      );
      return { CODEX_HOME: codexHome, OPENAI_API_KEY: TEST_API_KEY };
    },
  },
];

for (const agentCase of CASES) {
  const found = findAgent(agentCase.name);
  const version = found && versionOf(agentCase.name, found.path);
  if (!found)
    process.stderr.write(
      `\n*** SKIPPED acp:${agentCase.name}: ${KNOWN_ACP_AGENTS[agentCase.name].npm} is neither beside wg nor in WG_TEST_AGENTS_PREFIX (${PREFIX ?? 'unset'})\n\n`,
    );

  // Each case starts a whole agent CLI (Qwen Code takes about 20 s of this machine's CPU to start).
  describe.skipIf(!found)(
    `acp:${agentCase.name} ${version ?? ''} with the settings wg init writes`,
    { timeout: 180_000 },
    () => {
      let project: Project;
      let home: string;
      const servers: ModelServer[] = [];

      beforeAll(async () => {
        project = await tempProject();
        mkdirSync(AGENT_HOMES, { recursive: true });
        home = mkdtempSync(join(AGENT_HOMES, `${agentCase.name}-`));
        if (found!.configured) {
          const config = join(project.dir, '.workgraph', 'config.toml');
          writeFileSync(
            config,
            `${readFileSync(config, 'utf8')}\n[backends."acp:${agentCase.name}"]\ncommand = ${JSON.stringify(found!.path)}\n`,
          );
        }
      });

      afterAll(async () => {
        for (const server of servers) await server.close();
        project?.cleanup();
        if (home) rmSync(home, { recursive: true, force: true });
      });

      async function run(script: ModelServerScript, taskId: string, addArgs: string[]) {
        const server = await startModelServer(script);
        servers.push(server);
        await project.ok(['add', taskId, '--id', taskId, ...addArgs]);
        // The agents' own temporary files (Gemini CLI's error reports) stay in its home.
        const tmp = join(home, 'tmp');
        mkdirSync(tmp, { recursive: true });
        const env = { HOME: home, TMPDIR: tmp, ...OFFLINE_ENV, ...agentCase.setup(server, home) };
        const result = await project.wg(['run', taskId, '--backend', `acp:${agentCase.name}`], { env });
        return { server, result };
      }

      it('completes the protocol: log, progress, artifact, the deliverable, every call asked about allowed and succeeding', async () => {
        const id = `make-${agentCase.name}`;
        const deliverable = `${agentCase.name}.txt`;
        const { server, result } = await run({ followProtocol: true }, id, ['--deliverable', deliverable]);
        const output = runFiles(project.dir, id, 'output.log').join('');
        expect(result.exitCode, `${result.stdout}${result.stderr}\n${output}`).toBe(0);
        expect(server.followerErrors).toEqual([]);
        const task = await project.show(id);
        expect(task.status).toBe('done');
        expect(task.attempts).toBe(1);
        const messages = task.log.map((entry) => entry.message);
        expect(messages).toContain(`starting: ${id}`);
        expect(messages).toContain('done: 1 deliverable(s) written');
        expect(messages.some((message) => message.startsWith('progress 50%'))).toBe(true);
        expect(task.artifacts).toContain(deliverable);
        expect(readFileSync(join(project.dir, deliverable), 'utf8')).toBe(
          deliverableContent({ taskId: id, upstreamLines: [] }, deliverable),
        );
        // Every call the model made succeeded: log, progress, the write, artifact, log.
        const results = toolResults(agentCase.api, server.scripted(agentCase.api).at(-1)!.body);
        expect(results.filter((call) => !call.ok)).toEqual([]);
        expect(results).toHaveLength(5);
        // It asked about calls, and wg allowed every one.
        expect(output).toMatch(/^wg: allowed /m);
        expect(output).not.toMatch(/^wg: refused /m);
        // The prompt named wg's MCP tools as this agent's model sees them, where that was seen; else the shell commands.
        const prompt = runFiles(project.dir, id, 'prompt.md').join('');
        if (agentCase.logTool) expect(prompt).toContain(`\`${agentCase.logTool}\``);
        else expect(prompt).toContain(`wg log ${id}`);
        // Each call is a tool event with an input of its own (the loop detector tells calls apart by it): Qwen Code's
        // updates carry none and Gemini CLI sends no rawInput, so wg takes what their permission requests say.
        const tools = runEvents(project.dir, id).filter((event) => event.type === 'tool');
        expect(tools).toHaveLength(5);
        expect(new Set(tools.map((event) => event.input)).size).toBe(5);
        // The session's end stopped the agent's whole process group: its MCP server, Gemini's re-executed self.
        expect(processesOf(join(project.dir, '.workgraph'))).toEqual([]);
      });

      const limit = agentCase.rateLimit;
      if ('skip' in limit) process.stderr.write(`\n*** SKIPPED acp:${agentCase.name}'s rate limit: ${limit.skip}\n\n`);
      it.skipIf('skip' in limit)(
        'reads a spent rate limit as one: the backend pauses, and the task is tried again without counting an attempt',
        async () => {
          const { reply, times, says } = limit as Exclude<AgentCase['rateLimit'], { skip: string }>;
          const id = `limited-${agentCase.name}`;
          const config = join(project.dir, '.workgraph', 'config.toml');
          writeFileSync(config, readFileSync(config, 'utf8').replace('[run]\n', '[run]\nrate_limit_pause = "1s"\n'));
          const script: ModelServerScript = { [agentCase.api]: Array.from({ length: times }, () => reply) };
          const { result } = await run(script, id, ['--max-retries', '0']);
          expect(result.exitCode, result.stdout + result.stderr).toBe(0);
          expect(result.stdout).toMatch(says);
          expect(result.stdout).toMatch(new RegExp(`paused backend acp:${agentCase.name} until `));
          const task = await project.show(id);
          expect(task).toMatchObject({ status: 'done', attempts: 2 });
          expect(task.retry_count ?? 0).toBe(0);
        },
      );

      it('stops a timed-out agent and everything it started', async () => {
        const id = `slow-${agentCase.name}`;
        const script: ModelServerScript = { [agentCase.api]: [{ text: 'too late', delayMs: 120_000 }] };
        // Long enough for the slowest to start (Qwen Code), so the agent is mid-turn, its MCP server and (Gemini) its
        // re-executed self running, when the timeout stops it.
        const { server, result } = await run(script, id, ['--timeout', '40s', '--max-retries', '0']);
        expect(result.exitCode).not.toBe(0);
        expect(server.scripted(agentCase.api)).toHaveLength(1);
        const task = await project.show(id);
        expect(task.failure_reason).toMatch(/timed out/);
        expect(processesOf(join(project.dir, '.workgraph'))).toEqual([]);
      });
    },
  );
}
