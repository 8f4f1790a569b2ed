/**
 * What one agent session along a trajectory saves: a 4-step trajectory (each step works
 * from the file the step before it wrote) run by the real Claude Code against the test
 * suite's scripted model server (which does what each prompt says), once with wg's
 * default (`[backends.claude] resume = true`: one worktree, one continued session) and
 * once with `resume = false` (a fresh session per step). Prints the prompt bytes of steps
 * 2-4 in both, and checks from the requests the model received that the default run was
 * one conversation.
 *
 *   node bench/trajectory-session.mjs        (needs npm install: Claude Code from npm)
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT, saveResults, table, WG_BIN, wgEnv } from './lib/stats.mjs';

const STEPS = [
  ['outline', 'Outline the guide', undefined, 'outline.md'],
  ['draft', 'Draft the guide', 'outline.md', 'draft.md'],
  ['examples', 'Add the examples', 'draft.md', 'examples.md'],
  ['polish', 'Polish the guide', 'examples.md', 'guide.md'],
];

/** The test suite's scripted model server, bundled for plain Node. */
async function modelServer(scratch) {
  const out = join(scratch, 'model-server.mjs');
  await build({
    entryPoints: [join(ROOT, 'test', 'support', 'model-server.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: out,
    logLevel: 'error',
  });
  return import(out);
}

function claudePath() {
  const found = spawnSync(
    process.execPath,
    [
      '-e',
      `import(${JSON.stringify(join(ROOT, 'dist', 'backends', 'claude.js'))}).then((m) => console.log(m.locateClaude(undefined, '', ${JSON.stringify(ROOT)})?.path ?? ''))`,
    ],
    { encoding: 'utf8' },
  );
  return found.stdout.trim();
}

async function runOnce(startModelServer, claude, resume) {
  const dir = mkdtempSync(join(tmpdir(), `wg-trajectory-${resume ? 'one' : 'fresh'}-`));
  const home = mkdtempSync(join(tmpdir(), 'wg-bench-home-'));
  const server = await startModelServer({ followProtocol: true });
  try {
    const git = (...args) => execFileSync('git', args, { cwd: dir });
    git('init', '--quiet', '--initial-branch', 'main');
    git('config', 'user.email', 'bench@example.com');
    git('config', 'user.name', 'Bench');
    writeFileSync(join(dir, 'README.md'), '# guide\n');
    git('add', '--all');
    git('commit', '--quiet', '-m', 'initial');
    const env = {
      ...wgEnv(),
      HOME: home,
      ANTHROPIC_BASE_URL: server.url,
      ANTHROPIC_API_KEY: 'sk-test-not-a-real-key-0123456789',
      CLAUDE_CODE_MAX_RETRIES: '0',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
      NO_PROXY: '127.0.0.1,localhost',
    };
    delete env.CLAUDECODE;
    const wg = (...args) => {
      const result = spawnSync(process.execPath, [WG_BIN, ...args], { cwd: dir, env, encoding: 'utf8' });
      if (result.status !== 0)
        throw new Error(`wg ${args.join(' ')} exited ${result.status}: ${result.stdout}${result.stderr}`);
      return result.stdout;
    };
    wg('init', '--backend', 'claude');
    writeFileSync(
      join(dir, '.workgraph', 'config.toml'),
      `[defaults]\nbackend = "claude"\nmodel = "claude-scripted-1"\n\n[backends.claude]\ncommand = ${JSON.stringify(claude)}\nmax_turns = 12\nresume = ${resume}\n\n[run]\nmax_steps = 4\n`,
    );
    let previous;
    for (const [id, title, input, deliverable] of STEPS) {
      wg(
        'add',
        title,
        '--id',
        id,
        '--deliverable',
        deliverable,
        ...(previous ? ['--blocked-by', previous, '--input', input] : []),
      );
      previous = id;
    }
    // Not spawnSync: the model server answers from this very process, so it must keep running meanwhile.
    await promisify(execFile)(process.execPath, [WG_BIN, 'run'], { cwd: dir, env });
    const prompts = Object.fromEntries(
      STEPS.map(([id]) => [id, readFileSync(join(dir, '.workgraph', 'runs', id, '1', 'prompt.md'), 'utf8')]),
    );
    const last = JSON.stringify(server.scripted('anthropic').at(-1).body.messages);
    const conversation = STEPS.every(([id]) => last.includes(`# Task \`${id}\``));
    const requestBytes = server
      .scripted('anthropic')
      .reduce((sum, request) => sum + JSON.stringify(request.body).length, 0);
    return {
      prompts,
      conversation,
      requests: server.scripted('anthropic').length,
      requestBytes,
      errors: server.followerErrors,
    };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'wg-bench-'));
try {
  const { startModelServer } = await modelServer(scratch);
  const claude = claudePath();
  if (!claude) throw new Error('Claude Code is not installed (npm install brings it)');
  const one = await runOnce(startModelServer, claude, true);
  const fresh = await runOnce(startModelServer, claude, false);
  const rows = STEPS.slice(1).map(([id]) => [
    id,
    Buffer.byteLength(fresh.prompts[id]),
    Buffer.byteLength(one.prompts[id]),
  ]);
  const sum = (column) => rows.reduce((total, row) => total + row[column], 0);
  rows.push(['steps 2-4', sum(1), sum(2)]);
  console.log(table(['step', 'fresh sessions (bytes)', 'one session (bytes)'], rows));
  console.log(
    `one session: ${one.requests} model requests, the last carrying all four steps' prompts: ${one.conversation}; fresh sessions: ${fresh.requests} requests, one conversation: ${fresh.conversation}`,
  );
  console.log(
    `bytes the model received over all requests: one session ${one.requestBytes}, fresh sessions ${fresh.requestBytes}`,
  );
  const problems = [
    ...one.errors,
    ...fresh.errors,
    ...(one.conversation ? [] : ['the default run was not one conversation']),
  ];
  if (problems.length > 0) console.log(`PROBLEMS: ${problems.join('; ')}`);
  console.log(
    `results: ${saveResults('trajectory-session', { rows, one: { requests: one.requests, requestBytes: one.requestBytes }, fresh: { requests: fresh.requests, requestBytes: fresh.requestBytes } })}`,
  );
  process.exitCode = problems.length === 0 ? 0 : 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
