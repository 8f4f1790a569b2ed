/**
 * What wg says about a run must be what happened: the model Claude reported (not
 * "(default)"), the backend of an attempt that never launched (not "?"), the work
 * another runner finished while this one waited (not just "0 done"), the page's elapsed
 * time of one run (not of every run since the first), and one rule for a blocker that
 * does not exist.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import {
  agentProject,
  announceSkip,
  findClaude,
  TEST_API_KEY,
  type AgentProgram,
  type AgentProject,
} from '../support/agents.js';
import { cleanEnv, tempProject, WG_BIN, type Project } from '../support/wg.js';
import { serve, type Served } from '../serve/support.js';

let project: Project | undefined;
let agent: AgentProject | undefined;
let served: Served | undefined;
afterEach(async () => {
  await served?.stop();
  await agent?.cleanup();
  [project, agent, served] = [undefined, undefined, undefined];
});

/** Rewrite one task's record in graph.jsonl, as a hand edit would. */
function patchTask(target: Project, id: string, patch: Record<string, unknown>): void {
  const lines = readFileSync(target.graphPath, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => {
      const record = JSON.parse(line) as { id?: string };
      return JSON.stringify(record.id === id ? { ...record, ...patch } : record);
    });
  writeFileSync(target.graphPath, `${lines.join('\n')}\n`);
}

const claude: AgentProgram = await findClaude();
announceSkip('wg cost with the model Claude Code reports', claude);

describe.skipIf(claude.skipReason !== undefined)('wg cost after a Claude Code run with no model configured', () => {
  it('lists the model Claude Code said it ran, as the run summary and the attempt record do, not "(default)"', async () => {
    agent = await agentProject({
      script: { anthropic: [{ text: 'Nothing to change.' }], usage: { input: 100, output: 20 } },
      // What `wg init` writes plus a backend: no model anywhere, so Claude Code picks its own.
      config: () =>
        `[defaults]\nbackend = "claude"\nmax_retries = 0\n\n[backends.claude]\ncommand = ${JSON.stringify(claude.path)}\nmax_turns = 4\n`,
      env: (server) => ({
        ANTHROPIC_BASE_URL: server.url,
        ANTHROPIC_API_KEY: TEST_API_KEY,
        CLAUDE_CODE_MAX_RETRIES: '0',
      }),
    });
    await agent.project.ok(['add', 'Look around', '--id', 'look']);
    const run = await agent.project.wg(['run'], { env: agent.env });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    // What Claude Code said it ran, on its init line: the model the API was asked for, with Claude Code's
    // own suffix for a variant (`[1m]`: the 1M-token context), which is kept as reported.
    const init = readFileSync(join(agent.project.dir, '.workgraph/runs/look/1/output.log'), 'utf8')
      .split('\n')
      .map((line) =>
        line.startsWith('{') ? (JSON.parse(line) as { type?: string; subtype?: string; model?: string }) : {},
      )
      .find((event) => event.type === 'system' && event.subtype === 'init')!;
    const used = init.model!;
    const asked = agent.server.scripted('anthropic').map((request) => request.body.model as string);
    expect(asked.length).toBeGreaterThan(0);
    expect(used.startsWith(asked.at(-1)!)).toBe(true);

    const cost = await agent.project.json<{ by_model: Array<{ key: string; attempts: number }> }>(['cost']);
    expect(cost.by_model.map((line) => line.key)).toEqual([used]);
    expect((await agent.project.json<{ costs: Array<{ model?: string }> }>(['show', 'look'])).costs[0]!.model).toBe(
      used,
    );
    expect(run.stdout).toContain(`by model: ${used} $`);
    expect(await agent.project.ok(['cost'])).not.toContain('(default)');
  });
});

describe('wg run says what happened', () => {
  it('an attempt that never launched names the backend it would have used, not "?"', async () => {
    project = await tempProject();
    await project.ok([
      'add',
      'Capped',
      '--id',
      'capped',
      '--exec',
      'echo never',
      '--max-cost',
      '0.01',
      '--max-retries',
      '0',
    ]);
    // Earlier attempts spent the whole cap already.
    patchTask(project, 'capped', { token_usage: { cost_usd: 0.02 } });
    const run = await project.wg(['run']);
    expect(run.stdout).toMatch(/ start capped \(\S+, attempt 1, shell\)\n/);
    expect(run.stdout).not.toMatch(/attempt 1, \?\)/);
    expect(run.stdout).toMatch(/budget-exhausted capped/);
  });

  it('a runner that waited for another reports the work the other finished, apart from its own', async () => {
    project = await tempProject();
    const go = join(project.dir, 'go');
    // `slow` finishes when the test says so, bounded so a broken test cannot hang.
    await project.ok([
      'add',
      'Slow',
      '--id',
      'slow',
      '--exec',
      `i=0; while [ ! -f ${go} ]; do i=$((i+1)); [ $i -gt 600 ] && exit 9; sleep 0.05; done`,
    ]);
    const first = execa('node', [WG_BIN, 'run', 'slow'], { cwd: project.dir, env: cleanEnv(), reject: false });
    for (let looks = 0; (await project.json<{ status: string }>(['show', 'slow'])).status !== 'in-progress'; looks++) {
      if (looks > 200) throw new Error('the first runner never claimed slow');
    }
    const second = execa('node', [WG_BIN, 'run'], { cwd: project.dir, env: cleanEnv(), reject: false, buffer: true });
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      second.stdout!.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('waiting for 1 task(s) other runners hold: slow')) resolve();
      });
      void second.then(() => reject(new Error(`the second runner ended without waiting: ${seen}`)));
    });
    writeFileSync(go, '');
    const [firstResult, secondResult] = await Promise.all([first, second]);
    expect(firstResult.exitCode).toBe(0);
    expect(firstResult.stdout).toMatch(/Run finished in [\d.]+s: 1 done,/);
    expect(firstResult.stdout).not.toContain('done elsewhere');
    expect(secondResult.exitCode, String(secondResult.stderr)).toBe(0);
    expect(secondResult.stdout).toMatch(/Run finished in [\d.]+s: 0 done,/);
    expect(secondResult.stdout).toContain(
      'done elsewhere 1 task finished by another runner (or by hand) during this run, not by this one: slow',
    );
    const summary = execa('node', [WG_BIN, 'run', '--json'], { cwd: project.dir, env: cleanEnv(), reject: false });
    // A run with nothing to do claims nothing done anywhere.
    const last = String((await summary).stdout)
      .trim()
      .split('\n')
      .at(-1)!;
    expect(JSON.parse(last)).toMatchObject({ type: 'summary', done: [], doneElsewhere: [] });
  });
});

describe("wg serve's elapsed time", () => {
  it("is the last run's, not the span from a task started days ago in an earlier run", async () => {
    project = await tempProject();
    await project.ok(['add', 'Old work', '--id', 'old', '--exec', 'true']);
    await project.ok(['run']);
    // That run was three days ago, as far as the graph can tell.
    const daysAgo = (minutes: number) => new Date(Date.now() - 3 * 86_400_000 + minutes * 60_000).toISOString();
    patchTask(project, 'old', { started_at: daysAgo(0), completed_at: daysAgo(1) });
    await project.ok(['add', 'New work', '--id', 'new', '--exec', 'true']);
    const before = Date.now();
    await project.ok(['run']);
    const after = Date.now();

    served = await serve(project.dir);
    const { header } = (await (await fetch(`${served.api}api/graph`)).json()) as {
      header: { started_at: string | null; ended_at: string | null; runs: unknown[] };
    };
    expect(header.runs).toEqual([]);
    expect(Date.parse(header.started_at!)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(header.ended_at!)).toBeLessThanOrEqual(after + 1000);
    expect(Date.parse(header.ended_at!)).toBeGreaterThanOrEqual(Date.parse(header.started_at!));
  });
});

describe('a blocker that does not exist: one rule, an error', () => {
  it('wg add and wg edit refuse it with a "did you mean"; --allow-phantom takes it with a warning; wg check reports it as an error', async () => {
    project = await tempProject();
    await project.ok(['add', 'Design API', '--id', 'design-api']);
    const typo = await project.wg(['add', 'Build API', '--id', 'build-api', '--blocked-by', 'desing-api']);
    expect(typo.exitCode).not.toBe(0);
    expect(typo.stderr).toBe(
      'error: no task "desing-api" to wait for\nhint: did you mean design-api (for desing-api)? Or, to name a task you will add later, pass --allow-phantom',
    );
    expect((await project.json<Array<{ id: string }>>(['list'])).map((task) => task.id)).toEqual(['design-api']);

    await project.ok(['add', 'Build API', '--id', 'build-api', '--blocked-by', 'design-api']);
    const edit = await project.wg(['edit', 'build-api', '--blocked-by', 'ghost']);
    expect(edit.exitCode).not.toBe(0);
    expect(edit.stderr).toMatch(
      /^error: no task "ghost" to wait for\nhint: to name a task you will add later, pass --allow-phantom$/,
    );
    expect((await project.json<{ blocked_by: string[] }>(['show', 'build-api'])).blocked_by).toEqual(['design-api']);
    expect((await project.wg(['check'])).exitCode).toBe(0);

    const phantom = await project.wg([
      'add',
      'Ship',
      '--id',
      'ship',
      '--blocked-by',
      'release-notes',
      '--allow-phantom',
    ]);
    expect(phantom.exitCode).toBe(0);
    expect(phantom.stdout).toContain(
      'warning: blocker release-notes does not exist yet; ship stays blocked until it does and is done (wg check reports it as an error until then)',
    );
    const check = await project.wg(['check']);
    expect(check.exitCode).toBe(1);
    expect(check.stdout).toContain('error: task ship: blocked_by names "release-notes", but there is no such task');
    await project.ok(['add', 'Release notes', '--id', 'release-notes']);
    expect((await project.wg(['check'])).exitCode).toBe(0);
  });
});
