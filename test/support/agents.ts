/**
 * Projects wired to the real agent programs and a scripted model server on 127.0.0.1.
 * Nothing here reaches the internet: every endpoint points at the local server, and the
 * programs' own background traffic (telemetry, updates) is switched off. Each program
 * gets a temporary HOME, so no user settings, logins or sessions leak in or out.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { execa } from 'execa';
import { locateClaude } from '../../src/backends/claude.js';
import { locateCodex } from '../../src/backends/codex.js';
import { startModelServer, type ModelServer, type ModelServerScript } from './model-server.js';
import type { Api } from './protocol-follower.js';
import { REPO_ROOT, tempProject, type Project } from './wg.js';
export type { ShownTask } from './wg.js';

export interface AgentProgram {
  path: string | undefined;
  version: string | undefined;
  /** Why the tests of this program are skipped; undefined when it runs. */
  skipReason: string | undefined;
}

/** The program as the backend would find it beside wg (PATH ignored, so the pinned npm version is the one tested). */
async function probe(name: string, path: string | undefined): Promise<AgentProgram> {
  if (!path)
    return {
      path,
      version: undefined,
      skipReason: `${name} is not installed (npm install did not bring its platform binary)`,
    };
  const result = await execa(path, ['--version'], { reject: false, timeout: 30_000, stdin: 'ignore' });
  if (result.exitCode !== 0)
    return {
      path,
      version: undefined,
      skipReason: `${path} --version failed: ${String(result.stderr || result.stdout).split('\n')[0]}`,
    };
  return { path, version: String(result.stdout).trim(), skipReason: undefined };
}

export const findClaude = () => probe('claude', locateClaude(undefined, '', process.cwd())?.path);
export const findCodex = () => probe('codex', locateCodex(undefined, '', process.cwd())?.path);

/** Say loudly in the test output that a suite does not run, and why. */
export function announceSkip(suite: string, program: AgentProgram): void {
  if (program.skipReason) process.stderr.write(`\n*** SKIPPED ${suite}: ${program.skipReason}\n\n`);
}

export interface AgentProject {
  project: Project;
  server: ModelServer;
  home: string;
  /** Environment for `wg run`: the agent inherits it. */
  env: Record<string, string | undefined>;
  cleanup(): Promise<void>;
}

/**
 * Where the agents' temporary homes go: outside the temp folder. Codex refuses to create the
 * helper its bubblewrap sandbox runs commands through under the temp folder (TMPDIR, else
 * /tmp), so with bubblewrap installed a CODEX_HOME there fails every command with
 * `bwrap: execvp codex-linux-sandbox`. node_modules is git-ignored; each home is removed after its test.
 * A checkout that itself lies in the temp folder (a clone in /tmp) puts them in the user's cache instead.
 */
export const AGENT_HOMES = underTempFolder(REPO_ROOT)
  ? join(homedir(), '.cache', 'wg-agent-homes')
  : join(REPO_ROOT, 'node_modules', '.cache', 'wg-agent-homes');

function underTempFolder(path: string): boolean {
  const inside = relative(realpathSync(tmpdir()), realpathSync(path));
  return inside === '' || (!inside.startsWith('..') && !isAbsolute(inside));
}

export const TEST_API_KEY = 'sk-test-not-a-real-key-0123456789';

/** Variables that keep the agent programs off the network (everything else goes to 127.0.0.1). */
export const OFFLINE_ENV = {
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  DISABLE_AUTOUPDATER: '1',
  DISABLE_TELEMETRY: '1',
  DISABLE_ERROR_REPORTING: '1',
  CLAUDECODE: undefined,
  // A key inherited from the developer's shell must never be sent anywhere.
  OPENAI_API_KEY: undefined,
  ANTHROPIC_AUTH_TOKEN: undefined,
  ANTHROPIC_BASE_URL: undefined,
  ANTHROPIC_API_KEY: undefined,
  NO_PROXY: '127.0.0.1,localhost',
};

export async function agentProject(options: {
  script: ModelServerScript;
  config: (serverUrl: string) => string;
  env?: (server: ModelServer, home: string) => Record<string, string | undefined>;
}): Promise<AgentProject> {
  const server = await startModelServer(options.script);
  const project = await tempProject();
  mkdirSync(AGENT_HOMES, { recursive: true });
  const home = mkdtempSync(join(AGENT_HOMES, 'home-'));
  writeFileSync(join(project.dir, '.workgraph', 'config.toml'), options.config(server.url));
  const env = { HOME: home, ...OFFLINE_ENV, ...(options.env?.(server, home) ?? {}) };
  return {
    project,
    server,
    home,
    env,
    cleanup: async () => {
      await server.close();
      project.cleanup();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A CODEX_HOME whose only model provider is the local server (the key comes from LOCAL_MODEL_KEY). */
export function codexHome(home: string, serverUrl: string): string {
  const codexHomeDir = join(home, 'codex-home');
  mkdirSync(codexHomeDir, { recursive: true });
  writeFileSync(
    join(codexHomeDir, 'config.toml'),
    [
      'model = "gpt-scripted"',
      'model_provider = "local"',
      '',
      '[model_providers.local]',
      'name = "local scripted server"',
      `base_url = "${serverUrl}/v1"`,
      'env_key = "LOCAL_MODEL_KEY"',
      'wire_api = "responses"',
      '',
    ].join('\n'),
  );
  return codexHomeDir;
}

/** Every string in a request body, in order, whatever the wire format nests them in. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

/** The text the model was first sent for a task: the first agent-loop request carrying that task's prompt. */
export function sentFor(server: ModelServer, api: Api, taskId: string): string {
  const heading = `# Task \`${taskId}\``;
  const request = server
    .scripted(api)
    .find((candidate) => stringsIn(candidate.body).some((text) => text.includes(heading)));
  if (!request) throw new Error(`no request to the model carried the prompt of ${taskId}`);
  return stringsIn(request.body).join('\n');
}

/** How a downstream prompt hands on an upstream task's summary (see src/prompt/build.ts). */
export const summaryBlock = (summary: string) => `Its agent's summary of the work:\n\n\`\`\`\n${summary}\n\`\`\``;

/** An OPENCODE_CONFIG whose only provider is the local server's Chat Completions (its model priced at $3/$15 per million tokens). */
export function opencodeConfig(home: string, serverUrl: string, name = 'opencode'): string {
  mkdirSync(home, { recursive: true });
  const config = join(home, `${name}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      provider: {
        fake: {
          npm: '@ai-sdk/openai-compatible',
          name: 'fake',
          options: { baseURL: `${serverUrl}/v1`, apiKey: 'sk-test-not-a-real-key' },
          models: {
            m: { name: 'm', tool_call: true, limit: { context: 200000, output: 8192 }, cost: { input: 3, output: 15 } },
          },
        },
      },
      model: 'fake/m',
      small_model: 'fake/m',
      autoupdate: false,
      share: 'disabled',
    }),
  );
  return config;
}

/** What each tested ACP agent needs to reach only the local server (see ../../docs/backends.md). */
export const ACP_AGENT_ENV = {
  opencode: (serverUrl: string, home: string) => ({
    OPENCODE_CONFIG: opencodeConfig(home, serverUrl),
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
  }),
  'claude-acp': (serverUrl: string) => ({
    ANTHROPIC_BASE_URL: serverUrl,
    ANTHROPIC_API_KEY: TEST_API_KEY,
    CLAUDE_CODE_MAX_RETRIES: '0',
  }),
  copilot: (serverUrl: string) => ({
    COPILOT_OFFLINE: 'true',
    COPILOT_PROVIDER_BASE_URL: `${serverUrl}/v1`,
    COPILOT_PROVIDER_API_KEY: TEST_API_KEY,
    COPILOT_MODEL: 'claude-sonnet-4.5',
  }),
};

/** The contents of a task's run files of this name (events.jsonl, output.log, prompt.md), attempts in order. */
export function runFiles(projectDir: string, taskId: string, name: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name === name && path.includes(taskId)) files.push(path);
    }
  };
  const runs = join(projectDir, '.workgraph', 'runs');
  if (existsSync(runs)) walk(runs);
  return files.map((file) => readFileSync(file, 'utf8'));
}

/** A task's events (events.jsonl), attempts in order. */
export function runEvents(projectDir: string, taskId: string): Array<Record<string, any>> {
  return runFiles(projectDir, taskId, 'events.jsonl').flatMap((text) =>
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, any>),
  );
}
