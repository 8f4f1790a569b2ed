import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAnthropicSettings } from '../../src/backends/anthropic.js';
import { parseClaudeSettings } from '../../src/backends/claude.js';
import { parseCodexSettings } from '../../src/backends/codex.js';
import { commandBackend, parseProtocolLine } from '../../src/backends/command.js';
import { BUILTIN_BACKENDS, chooseBackendName, knownBackendNames, resolveBackend } from '../../src/backends/index.js';
import { MAX_EVENT_TEXT } from '../../src/backends/lines.js';
import { shellBackend } from '../../src/backends/shell.js';
import type { Backend, RunContext } from '../../src/backends/types.js';
import { ConfigError } from '../../src/errors.js';
import type { Actor, Task } from '../../src/graph/schema.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { CONFIG_TEMPLATE } from '../../src/config/config-template.js';

const task = (fields: Partial<Task> = {}): Task => ({
  id: 'build-api',
  title: 'Build the API',
  status: 'in-progress',
  ...fields,
});

function context(fields: Partial<RunContext> = {}): RunContext {
  return {
    task: task(),
    prompt: 'Do the work.\n',
    promptFile: '/runs/build-api/prompt.md',
    workdir: '/project/api',
    workgraphDir: '/project/.workgraph',
    model: 'big-model',
    settings: {},
    env: { PATH: '/usr/bin', WG_TASK_ID: 'build-api' },
    ...fields,
  };
}

/** Only the parts of the config that backend choice reads, so other tables can grow without touching these tests. */
type BackendConfig = Pick<Config, 'defaults' | 'backends'>;
const config = (fields: Partial<BackendConfig> = {}): BackendConfig => ({
  defaults: { max_retries: 2, max_turns: 100 },
  ...fields,
});

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

/** Every event that a run of lines produces, stdout unless a line starts with "2>". */
function parse(backend: Backend, lines: string[]) {
  const parser = backend.parser();
  return lines.flatMap((line) =>
    line.startsWith('2>') ? parser.line(line.slice(2), 'stderr') : parser.line(line, 'stdout'),
  );
}

describe('shell backend', () => {
  it('runs the task exec with sh -c in the workdir, with the given env and no stdin', () => {
    const spec = shellBackend.launch(context({ task: task({ exec: 'make test && echo ok' }) }));
    expect(spec).toEqual({
      file: 'sh',
      args: ['-c', 'make test && echo ok'],
      cwd: '/project/api',
      env: { PATH: '/usr/bin', WG_TASK_ID: 'build-api' },
    });
    expect(spec.stdin).toBeUndefined();
    expect(shellBackend.usesPrompt).toBe(false);
  });

  it('refuses a task without exec (or with a blank one) as a configuration error', () => {
    expect(configError(() => shellBackend.launch(context())).message).toBe(
      "task build-api has no exec command, and the shell backend only runs a task's exec",
    );
    expect(() => shellBackend.launch(context({ task: task({ exec: '  ' }) }))).toThrow(ConfigError);
  });

  it('turns non-empty lines of both streams into trimmed progress events, capping long ones', () => {
    const long = 'y'.repeat(2000);
    const events = parse(shellBackend, ['  compiling  ', '', '   ', '2>warning: x', long]);
    expect(events.slice(0, 2)).toEqual([
      { type: 'progress', message: 'compiling' },
      { type: 'progress', message: 'warning: x' },
    ]);
    const capped = events[2] as { message: string };
    expect(capped.message).toHaveLength(MAX_EVENT_TEXT);
    expect(capped.message.startsWith('yyy')).toBe(true);
    expect(events).toHaveLength(3);
  });
});

describe('command backend: launch', () => {
  const argv = [
    'agent',
    '--prompt={prompt_file}',
    '{task_id}',
    '--model',
    '{model}',
    '--in',
    '{workdir}',
    '{workdir}/{task_id}.log',
  ];

  it('fills every placeholder in every argv element, runs in the workdir, and leaves stdin unconnected', () => {
    const spec = commandBackend('command').launch(context({ settings: { argv } }));
    expect(spec).toEqual({
      file: 'agent',
      args: [
        '--prompt=/runs/build-api/prompt.md',
        'build-api',
        '--model',
        'big-model',
        '--in',
        '/project/api',
        '/project/api/build-api.log',
      ],
      cwd: '/project/api',
      env: { PATH: '/usr/bin', WG_TASK_ID: 'build-api' },
      stdin: undefined,
    });
  });

  it('fills {model} with an empty string when there is no model, also in the program position', () => {
    const spec = commandBackend('command').launch(
      context({ model: undefined, settings: { argv: ['{workdir}/run.sh', 'm={model}'] } }),
    );
    expect([spec.file, ...spec.args]).toEqual(['/project/api/run.sh', 'm=']);
  });

  it('writes the prompt to stdin in stdin mode and adds the configured env over the context env', () => {
    const spec = commandBackend('command').launch(
      context({ settings: { argv: ['agent', '-'], stdin: true, env: { MODE: 'batch', PATH: '/opt/bin' } } }),
    );
    expect(spec.stdin).toBe('Do the work.\n');
    expect(spec.env).toEqual({ PATH: '/opt/bin', WG_TASK_ID: 'build-api', MODE: 'batch' });
  });

  it('leaves braces that are not placeholders alone, and reads {{name}} as a literal {name}', () => {
    const spec = commandBackend('command').launch(
      context({ settings: { argv: ['node', '-e', 'f(() => {}, {"a": 1})', '{{task_id}}', 'a{{b}}{task_id}'] } }),
    );
    expect(spec.args).toEqual(['-e', 'f(() => {}, {"a": 1})', '{task_id}', 'a{b}build-api']);
  });

  it('rejects an unknown placeholder, naming it and the argv element', () => {
    const error = configError(() =>
      commandBackend('writer').launch(context({ settings: { type: 'command', argv: ['agent', '{promt_file}'] } })),
    );
    expect(error.message).toBe(
      'config.toml [backends.writer] argv[1]: unknown placeholder {promt_file} (known: {prompt_file}, {task_id}, {model}, {workdir})',
    );
  });

  it('validates its settings table and names the table in each error', () => {
    const launch = (settings: Record<string, unknown>) =>
      configError(() => commandBackend('writer').launch(context({ settings }))).message;
    expect(launch({})).toBe('config.toml [backends.writer] has no argv: the writer backend needs the command to run');
    expect(launch({ argv: [] })).toBe('config.toml [backends.writer]: argv: must name at least the program to run');
    expect(launch({ argv: ['', 'x'] })).toBe(
      'config.toml [backends.writer]: argv: its first element must name the program to run',
    );
    expect(launch({ argv: 'agent {prompt_file}' })).toMatch(
      /^config\.toml \[backends\.writer\]: argv: .*expected array/,
    );
    expect(launch({ argv: ['agent', 3] })).toMatch(/^config\.toml \[backends\.writer\]: argv\.1: .*expected string/);
    expect(launch({ argv: ['agent'], stdin: 'yes' })).toMatch(
      /^config\.toml \[backends\.writer\]: stdin: .*expected boolean/,
    );
    expect(launch({ argv: ['agent'], env: { N: 1 } })).toMatch(
      /^config\.toml \[backends\.writer\]: env\.N: .*expected string/,
    );
    expect(launch({ argv: ['agent'], stdn: true })).toMatch(/^config\.toml \[backends\.writer\]: .*"stdn"/);
    expect(launch({ argv: ['agent'], type: 'claude' })).toMatch(/^config\.toml \[backends\.writer\]: type: /);
  });
});

describe('command backend: output lines', () => {
  const backend = commandBackend('command');

  it('reports plain lines of both streams as progress', () => {
    expect(parse(backend, ['reading files', '', '2>  npm warn deprecated  '])).toEqual([
      { type: 'progress', message: 'reading files' },
      { type: 'progress', message: 'npm warn deprecated' },
    ]);
  });

  it('maps ::progress, ::tool and ::usage lines to structured events', () => {
    expect(
      parse(backend, [
        '::progress 40 wrote the parser',
        '::progress 62.5%',
        '::progress 250 overshoot',
        '::progress still thinking',
        '::tool Edit src/parser.ts lines 1-40',
        '2>::tool Bash',
        '::usage {"input_tokens": 1200, "output_tokens": 300, "cost_usd": 0.01}',
        '::usage {"cache_read_tokens": 5, "cache_write_tokens": 7}',
      ]),
    ).toEqual([
      { type: 'progress', percent: 40, message: 'wrote the parser' },
      { type: 'progress', percent: 62.5, message: '62.5%' },
      { type: 'progress', percent: 100, message: 'overshoot' },
      { type: 'progress', message: 'still thinking' },
      { type: 'tool', name: 'Edit', summary: 'src/parser.ts lines 1-40' },
      { type: 'tool', name: 'Bash', summary: '' },
      { type: 'usage', inputTokens: 1200, outputTokens: 300, costUsd: 0.01 },
      { type: 'usage', cacheReadTokens: 5, cacheWriteTokens: 7 },
    ]);
  });

  it('reports malformed ::usage lines as errors and leaves lines that only look similar as progress', () => {
    expect(parseProtocolLine('::usage {oops')).toEqual([{ type: 'error', message: '::usage line is not JSON: {oops' }]);
    expect(parseProtocolLine('::usage {"input_tokens": -3}')).toEqual([
      { type: 'error', message: expect.stringMatching(/^::usage line ignored: input_tokens: /) },
    ]);
    expect(parseProtocolLine('::usage {"tokens": 3}')).toEqual([
      { type: 'error', message: expect.stringMatching(/^::usage line ignored: .*tokens/) },
    ]);
    expect(parseProtocolLine('::progress')).toEqual([{ type: 'progress', message: '::progress' }]);
    expect(parseProtocolLine('::progressive')).toEqual([{ type: 'progress', message: '::progressive' }]);
    expect(parseProtocolLine('::debug x')).toEqual([{ type: 'progress', message: '::debug x' }]);
    expect(parseProtocolLine('say ::tool Edit')).toEqual([{ type: 'progress', message: 'say ::tool Edit' }]);
  });

  it("reads ::summary as the agent's summary; a bare ::summary or ::summaryish stays progress", () => {
    expect(parseProtocolLine('::summary Wrote the parser; the CLI still reads stdin only  ')).toEqual([
      { type: 'summary', text: 'Wrote the parser; the CLI still reads stdin only' },
    ]);
    expect(parseProtocolLine('::summary')).toEqual([{ type: 'progress', message: '::summary' }]);
    expect(parseProtocolLine('::summaryish x')).toEqual([{ type: 'progress', message: '::summaryish x' }]);
  });
});

describe('chooseBackendName', () => {
  const withDefault = config({ defaults: { max_retries: 2, max_turns: 100, backend: 'command' } });
  const agent: Actor = { id: 'claude-1', backend: 'writer' };

  it("takes the task's backend first, whatever else is set", () => {
    expect(chooseBackendName(task({ backend: 'reviewer', exec: 'make' }), agent, withDefault)).toBe('reviewer');
  });

  it('runs a task with exec on shell, even when its actor has an agent backend', () => {
    expect(chooseBackendName(task({ exec: 'make' }), agent, withDefault)).toBe('shell');
  });

  it("then takes the actor's backend, then config.toml's default", () => {
    expect(chooseBackendName(task(), agent, withDefault)).toBe('writer');
    expect(chooseBackendName(task(), { id: 'plain' }, withDefault)).toBe('command');
    expect(chooseBackendName(task(), undefined, withDefault)).toBe('command');
  });

  it('treats empty strings as unset', () => {
    expect(chooseBackendName(task({ backend: '', exec: ' ' }), { id: 'a', backend: '' }, withDefault)).toBe('command');
  });

  it('is a configuration error when nothing names a backend', () => {
    const error = configError(() => chooseBackendName(task(), { id: 'plain' }, config()));
    expect(error.message).toBe('task build-api names no backend and config.toml has no [defaults] backend');
    expect(error.hint).toContain('wg edit build-api --backend');
  });
});

describe('resolveBackend', () => {
  const configured = config({
    backends: {
      command: { argv: ['agent', '{prompt_file}'] },
      writer: { type: 'command', argv: ['writer', '{prompt_file}'] },
      reviewer: { type: 'command', argv: ['reviewer', '-'], stdin: true },
      claude: { model: 'x' },
    },
  });

  it('finds the built-ins, with their table as settings ({} when there is none)', () => {
    expect(resolveBackend('shell', configured)).toEqual({ backend: BUILTIN_BACKENDS.shell, settings: {} });
    const command = resolveBackend('command', configured);
    expect(command.backend).toBe(BUILTIN_BACKENDS.command);
    expect(command.settings).toEqual({ argv: ['agent', '{prompt_file}'] });
    expect(resolveBackend('command', config()).settings).toEqual({});
  });

  it('makes each table with type = "command" a command backend of that name, with its own argv', () => {
    const writer = resolveBackend('writer', configured);
    const reviewer = resolveBackend('reviewer', configured);
    expect(writer.backend.name).toBe('writer');
    expect(reviewer.backend.name).toBe('reviewer');
    const launch = (resolved: typeof writer) => resolved.backend.launch(context({ settings: resolved.settings }));
    expect(launch(writer)).toMatchObject({ file: 'writer', args: ['/runs/build-api/prompt.md'], stdin: undefined });
    expect(launch(reviewer)).toMatchObject({ file: 'reviewer', args: ['-'], stdin: 'Do the work.\n' });
  });

  it("keeps the runner's max_parallel out of the settings a backend validates", () => {
    const claude = resolveBackend(
      'claude',
      config({ backends: { claude: { max_parallel: 2, permission_mode: 'plan' } } }),
    );
    expect(claude.settings).toEqual({ permission_mode: 'plan' });
    expect(() =>
      claude.backend.permissions({
        task: undefined,
        settings: claude.settings,
        workdir: '/w',
        workgraphDir: '/w/.workgraph',
      }),
    ).not.toThrow();
  });

  it('lists the known names when a name is unknown', () => {
    expect(knownBackendNames(configured)).toEqual([
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
      'writer',
      'reviewer',
    ]);
    expect(configError(() => resolveBackend('gemini', configured)).message).toBe(
      'unknown backend "gemini" (known: shell, command, claude, codex, anthropic, acp:opencode, acp:copilot, acp:claude-acp, acp:gemini, acp:qwen, acp:codex-acp, writer, reviewer)',
    );
    // acp:NAME of an agent wg does not know is no backend either (a table with type = "acp" would define it).
    expect(configError(() => resolveBackend('acp:nope', configured)).message).toMatch(/^unknown backend "acp:nope"/);
    expect(resolveBackend('acp:opencode', configured).backend.name).toBe('acp:opencode');
  });

  it('refuses a table without a type, an unknown type, and a type that would redefine a built-in', () => {
    expect(configError(() => resolveBackend('gemini', config({ backends: { gemini: { argv: ['g'] } } }))).message).toBe(
      'config.toml [backends.gemini] has no type, and gemini is not a built-in backend',
    );
    expect(configError(() => resolveBackend('x', config({ backends: { x: { type: 'rocket' } } }))).message).toBe(
      'config.toml [backends.x]: unknown type "rocket" (known: command, claude, codex, anthropic, acp)',
    );
    expect(
      configError(() => resolveBackend('shell', config({ backends: { shell: { type: 'command' } } }))).message,
    ).toMatch(/type "command" cannot redefine the built-in shell backend/);
    expect(resolveBackend('command', config({ backends: { command: { type: 'command', argv: ['a'] } } })).backend).toBe(
      BUILTIN_BACKENDS.command,
    );
  });

  it('does not take inherited object keys for backend names', () => {
    expect(() => resolveBackend('constructor', configured)).toThrow(/unknown backend "constructor"/);
    expect(() => resolveBackend('x', config({ backends: { x: { type: 'toString' } } }))).toThrow(
      /unknown type "toString"/,
    );
  });
});

describe('config.toml [backends] tables', () => {
  function loadToml(text: string): Config {
    const dir = mkdtempSync(join(tmpdir(), 'wg-config-'));
    try {
      writeFileSync(join(dir, 'config.toml'), text);
      return loadConfig(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('loads as written in the template once its examples are uncommented, and those examples launch', () => {
    const uncommented = CONFIG_TEMPLATE.replace(/^# (\[backends\.|argv =|stdin =|env =|type =)/gm, '$1');
    const loaded = loadToml(uncommented);
    expect(Object.keys(loaded.backends ?? {})).toEqual(['command', 'reviewer', 'claude', 'codex', 'anthropic']);
    for (const name of ['command', 'reviewer']) {
      const { backend, settings } = resolveBackend(name, loaded);
      expect(backend.launch(context({ settings })).cwd).toBe('/project/api');
    }
  });

  it('documents settings the agent backends accept', () => {
    // Every commented `key = value` line of the agent tables, uncommented (trailing comments are TOML comments).
    const agentPart = CONFIG_TEMPLATE.slice(
      CONFIG_TEMPLATE.indexOf('# [backends.claude]'),
      CONFIG_TEMPLATE.indexOf('[run]'),
    );
    const uncommented = agentPart.replace(/^# ([a-z_]+ = |\[backends\.)/gm, '$1').replace(/^#.*$/gm, '');
    const loaded = loadToml(uncommented);
    expect(parseClaudeSettings('claude', loaded.backends!.claude!)).toMatchObject({
      permission_mode: 'acceptEdits',
      max_turns: 40,
      resume: true,
    });
    expect(parseCodexSettings('codex', loaded.backends!.codex!)).toMatchObject({
      sandbox: 'workspace-write',
      config: { model_reasoning_effort: 'high' },
    });
    expect(parseAnthropicSettings('anthropic', loaded.backends!.anthropic!)).toMatchObject({
      max_turns: 50,
      bash_timeout: '2m',
      token_budget: 2000000,
    });
  });

  it('keeps unknown keys of backend tables for the backends to read, but checks type', () => {
    expect(loadToml('[backends.claude]\npermission_mode = "plan"\n').backends).toEqual({
      claude: { permission_mode: 'plan' },
    });
    expect(() => loadToml('[backends.x]\ntype = 3\n')).toThrow(/config\.toml: backends\.x\.type: /);
    expect(() => loadToml('backends = 5\n')).toThrow(/config\.toml: backends: /);
  });
});
