/**
 * An agent's environment is an allowlist (issue 22 §1): with four secrets planted in the
 * environment of `wg run`, an `env` run by an agent of each of the five backends shows
 * none of them, nor its backend's own credential, while a variable named in `env_pass`
 * is there. Claude Code and Codex are the real programs against the scripted model.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  agentProject,
  announceSkip,
  codexHome,
  findClaude,
  findCodex,
  TEST_API_KEY,
  type AgentProject,
} from '../support/agents.js';
import type { ModelServerScript } from '../support/model-server.js';
import { tempProject, type Project } from '../support/wg.js';

const PLANTED = {
  AWS_SECRET_ACCESS_KEY: 'aws-planted-wJalrXUtnFEMI-K7MDENG',
  GITHUB_TOKEN: 'ghp_planted0123456789abcdefABCDEF',
  NPM_TOKEN: 'npm_planted_9f8e7d6c5b4a3210',
  DATABASE_PASSWORD: 'db-planted-correct-horse-battery',
};
/** Passed by the task's env_pass (by name) and by [run] env_pass (by glob). */
const PASSED = { TASK_NEEDS_THIS: 'task-passed-value-1', PROJECT_REGION: 'run-passed-eu-west' };
const RUN_ENV_PASS = '[run]\nenv_pass = ["PROJECT_*"]\nretry_backoff = "50ms"\ngrace = "500ms"\n';
const ENV_COMMAND = 'env > agent-env.txt';

const claude = await findClaude();
const codex = await findCodex();
announceSkip('claude environment test', claude);
announceSkip('codex environment test', codex);

let agent: AgentProject | undefined;
let project: Project | undefined;
afterEach(async () => {
  await agent?.cleanup();
  agent = undefined;
  project?.cleanup();
  project = undefined;
});

/** The variables the agent's `env` printed, by name. */
function agentVariables(dir: string): Record<string, string> {
  const lines = readFileSync(join(dir, 'agent-env.txt'), 'utf8').split('\n');
  return Object.fromEntries(
    lines.filter((line) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(line)).map((line) => line.split(/=(.*)/s).slice(0, 2)),
  ) as Record<string, string>;
}

/** Everything the attempt wrote: prompt.md, output.log, events.jsonl, command.json (and the graph, unless a test put a secret in it itself). */
function written(dir: string, task: string, withGraph: boolean): string {
  const runDir = join(dir, '.workgraph', 'runs', task, '1');
  return readdirSync(runDir)
    .map((file) => readFileSync(join(runDir, file), 'utf8'))
    .concat(withGraph ? [readFileSync(join(dir, '.workgraph', 'graph.jsonl'), 'utf8')] : [])
    .join('\n');
}

/** What each backend test asserts: no planted secret, no credential; the passed variables there. */
function expectAllowlisted(
  dir: string,
  task: string,
  credentials: Record<string, string> = {},
  { withGraph = true } = {},
): void {
  const seen = agentVariables(dir);
  for (const name of Object.keys(PLANTED)) expect(seen, name).not.toHaveProperty(name);
  for (const name of Object.keys(credentials)) expect(seen, name).not.toHaveProperty(name);
  const printed = readFileSync(join(dir, 'agent-env.txt'), 'utf8');
  for (const value of [...Object.values(PLANTED), ...Object.values(credentials)]) expect(printed).not.toContain(value);
  expect(seen).toMatchObject({ ...PASSED, WG_TASK_ID: task });
  expect(seen.PATH).toBeTruthy();
  expect(seen.HOME).toBeTruthy();
  const files = written(dir, task, withGraph);
  for (const value of Object.values(PLANTED)) expect(files).not.toContain(value);
  const command = JSON.parse(readFileSync(join(dir, '.workgraph', 'runs', task, '1', 'command.json'), 'utf8')) as {
    env_withheld: string[];
    env: Record<string, string>;
  };
  expect(command.env_withheld).toEqual(expect.arrayContaining(Object.keys(PLANTED)));
  expect(command.env).not.toHaveProperty('GITHUB_TOKEN');
}

/** The key a request to the model carried, as x-api-key or as a bearer token. */
function sentKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const key = headers['x-api-key'] ?? headers.authorization;
  return typeof key === 'string' ? key.replace(/^Bearer /, '') : undefined;
}

const runEnv = (base: Record<string, string | undefined>) => ({ ...base, ...PLANTED, ...PASSED });

describe('the environment of an agent is an allowlist, for every backend', () => {
  it('shell: with the settings wg init writes (plus [run] env_pass), `env` shows no planted secret', async () => {
    project = await tempProject();
    const config = join(project.dir, '.workgraph', 'config.toml');
    const written = readFileSync(config, 'utf8');
    expect(written).toContain('# env_pass = []');
    writeFileSync(config, written.replace('# env_pass = []', 'env_pass = ["PROJECT_*"]'));
    await project.ok(['add', 'Print env', '--id', 'show-env', '--exec', ENV_COMMAND, '--env-pass', 'TASK_NEEDS_THIS']);
    const result = await project.wg(['run'], { env: runEnv({}) });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expectAllowlisted(project.dir, 'show-env');
  });

  it('command: the program gets the allowlist, the table env on top', async () => {
    project = await tempProject();
    writeFileSync(
      join(project.dir, '.workgraph', 'config.toml'),
      `[defaults]\nbackend = "command"\n\n[backends.command]\nargv = ["sh", "-c", "${ENV_COMMAND}"]\nenv = { FROM_TABLE = "table-value" }\n\n${RUN_ENV_PASS}`,
    );
    await project.ok(['add', 'Print env', '--id', 'show-env', '--env-pass', 'TASK_NEEDS_THIS']);
    const result = await project.wg(['run'], { env: runEnv({}) });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expectAllowlisted(project.dir, 'show-env');
    expect(agentVariables(project.dir).FROM_TABLE).toBe('table-value');
  });

  it("anthropic: the built-in agent has its key, its bash tool does not; a secret in the task's text is masked in its prompt", async () => {
    const script: ModelServerScript = {
      anthropic: [{ tool: 'bash', input: { command: ENV_COMMAND } }, { text: 'Printed it.' }],
    };
    agent = await agentProject({
      script,
      config: (url) =>
        `[defaults]\nbackend = "anthropic"\nmodel = "claude-scripted-1"\nmax_retries = 0\n\n[backends.anthropic]\nbase_url = "${url}"\n\n${RUN_ENV_PASS}`,
      env: () => ({ ANTHROPIC_API_KEY: TEST_API_KEY }),
    });
    const dir = agent.project.dir;
    await agent.project.ok([
      'add',
      'Print env',
      '--id',
      'show-env',
      '--env-pass',
      'TASK_NEEDS_THIS',
      '-d',
      `Never use ${PLANTED.GITHUB_TOKEN} here.`,
      '--verify',
      'env > check-env.txt',
    ]);
    const result = await agent.project.wg(['run'], { env: runEnv(agent.env) });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    // The task's own description holds a secret (the graph keeps what its author typed); nothing the attempt wrote does.
    expectAllowlisted(dir, 'show-env', { ANTHROPIC_API_KEY: TEST_API_KEY }, { withGraph: false });
    // The agent program had the key: the model server was called with it.
    expect(sentKey(agent.server.scripted('anthropic')[0]!.headers)).toBe(TEST_API_KEY);
    // The task's check runs the agent's work, as its commands do: the same allowlist, without the key.
    const check = readFileSync(join(dir, 'check-env.txt'), 'utf8');
    expect(check).toContain(`TASK_NEEDS_THIS=${PASSED.TASK_NEEDS_THIS}`);
    for (const value of [...Object.values(PLANTED), TEST_API_KEY]) expect(check).not.toContain(value);
    expect(readFileSync(join(dir, '.workgraph', 'runs', 'show-env', '1', 'prompt.md'), 'utf8')).toContain(
      'Never use *** here.',
    );
    expect(JSON.stringify(agent.server.scripted('anthropic').map((request) => request.body))).not.toContain(
      PLANTED.GITHUB_TOKEN,
    );
  });

  it.skipIf(claude.skipReason !== undefined)(
    `claude: Claude Code ${claude.version ?? ''} has its key, its Bash commands do not`,
    async () => {
      agent = await agentProject({
        script: { anthropic: [{ tool: 'Bash', input: { command: ENV_COMMAND } }, { text: 'Printed it.' }] },
        config: () =>
          `[defaults]\nbackend = "claude"\nmodel = "claude-scripted-1"\nmax_retries = 0\n\n[backends.claude]\ncommand = ${JSON.stringify(claude.path)}\nmax_turns = 4\n\n${RUN_ENV_PASS}`,
        env: (server) => ({
          ANTHROPIC_BASE_URL: server.url,
          ANTHROPIC_API_KEY: TEST_API_KEY,
          CLAUDE_CODE_MAX_RETRIES: '0',
        }),
      });
      await agent.project.ok([
        'add',
        'Print env',
        '--id',
        'show-env',
        '--tool',
        'Bash',
        '--env-pass',
        'TASK_NEEDS_THIS',
      ]);
      const result = await agent.project.wg(['run'], { env: runEnv(agent.env) });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      expectAllowlisted(agent.project.dir, 'show-env', { ANTHROPIC_API_KEY: TEST_API_KEY });
      expect(sentKey(agent.server.scripted('anthropic')[0]!.headers)).toBe(TEST_API_KEY);
    },
  );

  it.skipIf(codex.skipReason !== undefined)(
    `codex: ${codex.version ?? 'codex'} has its provider's key, its commands do not`,
    async () => {
      const key = 'sk-local-not-a-real-key-42';
      agent = await agentProject({
        script: { openai: [{ tool: 'exec_command', input: { cmd: ENV_COMMAND } }, { text: 'Printed it.' }] },
        config: () =>
          `[defaults]\nbackend = "codex"\nmodel = "gpt-scripted"\nmax_retries = 0\n\n[backends.codex]\ncommand = ${JSON.stringify(codex.path)}\n\n${RUN_ENV_PASS}`,
        env: (server, home) => ({ CODEX_HOME: codexHome(home, server.url), LOCAL_MODEL_KEY: key }),
      });
      await agent.project.ok(['add', 'Print env', '--id', 'show-env', '--env-pass', 'TASK_NEEDS_THIS']);
      const result = await agent.project.wg(['run'], { env: runEnv(agent.env) });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      expectAllowlisted(agent.project.dir, 'show-env', { LOCAL_MODEL_KEY: key });
      expect(agent.server.scripted('openai')[0]!.headers.authorization).toBe(`Bearer ${key}`);
    },
  );
});

describe('what an agent gets is shown before it runs', () => {
  it('wg run --dry-run and wg doctor list what is passed and, by name only, what is withheld', async () => {
    project = await tempProject();
    await project.ok(['add', 'Print env', '--id', 'show-env', '--exec', ENV_COMMAND, '--env-pass', 'TASK_NEEDS_THIS']);
    const env = runEnv({});

    const text = await project.wg(['run', '--dry-run'], { env });
    expect(text.exitCode, text.stderr).toBe(0);
    const withheldLine = text.stdout.split('\n').find((line) => line.startsWith('withheld: '));
    expect(withheldLine?.split(' ')).toEqual(expect.arrayContaining(Object.keys(PLANTED)));
    expect(text.stdout).toMatch(/^env: {6}.*\bTASK_NEEDS_THIS\b.*from wg's environment/m);
    expect(text.stdout).not.toMatch(/^env: .*\bPROJECT_REGION\b/m);

    const json = await project.json<{ steps: Array<{ envPassed: string[]; envWithheld: string[] }> }>(
      ['run', '--dry-run', '--json'],
      { env },
    );
    expect(json.steps[0]!.envPassed).toContain('TASK_NEEDS_THIS');
    expect(json.steps[0]!.envWithheld).toEqual(expect.arrayContaining([...Object.keys(PLANTED), 'PROJECT_REGION']));

    const doctor = await project.wg(['doctor'], { env });
    const line = doctor.stdout.split('\n').find((candidate) => candidate.includes('backend shell environment'));
    expect(line, doctor.stdout).toBeDefined();
    for (const name of Object.keys(PLANTED)) expect(line).toContain(name);
    expect(line).toMatch(/passes .*\bTASK_NEEDS_THIS\b.*; withholds /);

    for (const output of [text.stdout, JSON.stringify(json), doctor.stdout])
      for (const value of Object.values(PLANTED)) expect(output).not.toContain(value);
  });

  it('wg add refuses an env_pass that is not a variable name, in one line', async () => {
    project = await tempProject();
    const result = await project.wg(['add', 'Bad', '--env-pass', 'NOT-A-NAME']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/--env-pass NOT-A-NAME: not a variable name/);
  });
});
