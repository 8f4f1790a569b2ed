/**
 * Graphs of the Rust project's newer releases (graphwork/wg, snapshot b0892ea7): its
 * `wg init` writes `.wg/`, and its tasks carry six more statuses and many more fields.
 * The fixture is hand-built in upstream's serialization (field order of its `Task`
 * struct, `after` for edges, `presentation`/`origin`/`priority` always written, an
 * `archivedboundary` record, a resource line with `kind` second as upstream's tests
 * write it), with one task per newer status.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { serve } from '../serve/support.js';
import { REPO_ROOT, runWg, type WgResult } from '../support/wg.js';

const FIXTURE = readFileSync(join(REPO_ROOT, 'test/fixtures/upstream-wg-graph.jsonl'), 'utf8');
const NEWER = ['waiting', 'blocked', 'pending-validation', 'pending-eval', 'failed-pending-eval', 'incomplete'];
/** The fixture's task in each newer status. */
const BY_STATUS: Record<string, string> = {
  waiting: 'await-review',
  blocked: 'pick-db',
  'pending-validation': 'build-api',
  'pending-eval': 'write-docs',
  'failed-pending-eval': 'migrate-db',
  incomplete: 'load-test',
};
/** What upstream's `wg init` leaves beside the graph (config shaped as upstream's, which wg does not use). */
const UPSTREAM_CONFIG =
  '[coordinator]\nexecutor = "claude"\nmodel = "claude:opus"\n\n[agent]\nexecutor = "claude"\nmodel = "claude:opus"\n';

let scratch: string;
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

function folder(): string {
  scratch = mkdtempSync(join(tmpdir(), 'wg-upstream-'));
  return scratch;
}

/** A project as upstream's `wg init` lays it out: `.wg/` with graph.jsonl, config.toml and its .gitignore. */
function upstreamProject(root: string, graph = FIXTURE): string {
  const dir = join(root, '.wg');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'graph.jsonl'), graph);
  writeFileSync(join(dir, 'config.toml'), UPSTREAM_CONFIG);
  writeFileSync(join(dir, '.gitignore'), '# WG gitignore\nagents/\nservice/\n');
  return dir;
}

async function ok(args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<string> {
  const result = await runWg(args, { cwd, env });
  if (result.exitCode !== 0) throw new Error(`wg ${args.join(' ')} exited ${result.exitCode}: ${result.stderr}`);
  return result.stdout;
}
const json = async <T>(args: string[], cwd: string, env: Record<string, string | undefined> = {}) =>
  JSON.parse(await ok([...args, '--json'], cwd, env)) as T;

function expectOneLineError(result: WgResult, message: RegExp): void {
  expect(result.exitCode).not.toBe(0);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe("an upstream graph with every newer status, in upstream's .wg/", () => {
  it('loads from a subfolder: list, ready, show and list --status answer with the statuses as upstream wrote them', async () => {
    const root = folder();
    upstreamProject(root);
    const cwd = join(root, 'src', 'deep');
    mkdirSync(cwd, { recursive: true });

    const list = await json<Array<{ id: string; status: string; blocked: boolean }>>(['list'], cwd);
    expect(list.map((task) => task.id)).toEqual([
      'design-api',
      'await-review',
      'pick-db',
      'build-api',
      'write-docs',
      'migrate-db',
      'load-test',
      'announce',
      'changelog',
      '.flip-write-docs',
    ]);
    for (const [status, id] of Object.entries(BY_STATUS))
      expect(list.find((task) => task.id === id)?.status).toBe(status);

    // Only `changelog` waits on nothing but a done task.
    expect((await json<Array<{ id: string }>>(['ready'], cwd)).map((task) => task.id)).toEqual(['changelog']);

    const shown = await json<{
      status: string;
      wait_condition: unknown;
      checkpoint: string;
      blockers: unknown[];
      dependents: unknown[];
    }>(['show', 'await-review'], cwd);
    expect(shown).toMatchObject({
      status: 'waiting',
      checkpoint: 'Drafted review questions in review.md; waiting for answers.',
    });
    expect(shown.wait_condition).toEqual({
      mode: 'any',
      conditions: [{ type: 'human-input' }, { type: 'timer', resume_after: '2026-05-03T09:26:00+00:00' }],
    });
    expect(shown.blockers).toEqual([{ id: 'design-api', status: 'done' }]);
    expect(shown.dependents).toEqual([{ id: 'pick-db', status: 'blocked' }]);
    expect(await ok(['show', 'write-docs'], cwd)).toMatch(/^write-docs {2}pending-eval\n/);

    for (const status of NEWER) {
      const filtered = await json<Array<{ id: string }>>(['list', '--status', status], cwd);
      const ids = filtered.map((task) => task.id);
      expect(ids).toContain(BY_STATUS[status]);
      // `blocked` also shows open tasks waiting on a blocker that is not done; every other newer status is only its own task.
      if (status === 'blocked') expect(ids.sort()).toEqual(['.flip-write-docs', 'announce', 'pick-db']);
      else expect(ids).toEqual([BY_STATUS[status]]);
    }
    expect(await ok(['list', '--status', 'waiting'], cwd)).toMatch(/^await-review +waiting +Wait for the API review$/m);
    expectOneLineError(await runWg(['list', '--status', 'on-hold'], { cwd }), /argument 'on-hold' is invalid/);
  });

  it("wg serve's page data counts and shows each newer status as it is, and filters by it", async () => {
    const root = folder();
    upstreamProject(root);
    const served = await serve(root);
    try {
      const graph = (await (await fetch(`${served.api}api/graph`)).json()) as {
        header: { counts: Record<string, number> };
        tasks: Array<{ id: string; status: string; display: string }>;
      };
      expect(graph.header.counts).toEqual({
        done: 1,
        waiting: 1,
        blocked: 3,
        'pending-validation': 1,
        'pending-eval': 1,
        'failed-pending-eval': 1,
        incomplete: 1,
        open: 1,
      });
      expect(graph.tasks.find((task) => task.id === 'write-docs')).toMatchObject({
        status: 'pending-eval',
        display: 'pending-eval',
      });
      const filtered = (await (await fetch(`${served.api}api/graph?status=waiting`)).json()) as {
        tasks: Array<{ id: string }>;
      };
      expect(filtered.tasks.map((task) => task.id)).toEqual(['await-review']);
      const detail = (await (await fetch(`${served.api}api/tasks/migrate-db`)).json()) as {
        task: { status: string; failure_class: string };
        display: string;
      };
      expect(detail).toMatchObject({
        task: { status: 'failed-pending-eval', failure_class: 'agent-exit-nonzero' },
        display: 'failed-pending-eval',
      });
    } finally {
      await served.stop();
    }
  });

  it('no task in a newer status is claimable, satisfies a dependency, or is started by wg run', async () => {
    const root = folder();
    const dir = upstreamProject(root);
    for (const [status, id] of Object.entries(BY_STATUS)) {
      for (const args of [
        ['claim', id],
        ['claim', id, '--force'],
      ]) {
        const result = await runWg(args, { cwd: root });
        expectOneLineError(
          result,
          new RegExp(
            status === 'waiting'
              ? `^error: cannot claim ${id}: status is waiting\\nhint: it waits on a person: \`wg answer ${id} "..."\` answers its question`
              : `^error: cannot claim ${id.replace('.', '\\.')}: status is ${status}\\nhint: ${status} (is a|was set by the) .*Rust wg`,
          ),
        );
      }
    }
    // The dependents of pending-eval, pending-validation, incomplete and blocked tasks wait.
    for (const [id, blockers] of Object.entries({
      announce: ['write-docs', 'build-api'],
      '.flip-write-docs': ['write-docs'],
    })) {
      expectOneLineError(await runWg(['claim', id], { cwd: root }), /^error: cannot claim .*: blocked by /);
      expect((await json<Array<{ id: string; status: string }>>(['blocked', id], root)).map((b) => b.id)).toEqual(
        blockers,
      );
    }

    // A run with default settings (no git here: in place) does the one ready task and leaves the rest as upstream wrote them.
    await ok(['edit', 'changelog', '--exec', 'echo changed > CHANGELOG.md'], root);
    const run = await runWg(['run'], { cwd: root });
    expect(run.exitCode).toBe(1); // not everything in the graph is finished
    expect(run.stdout).toMatch(/Run finished in [\d.]+s: 1 done, 0 failed, 2 blocked/);
    for (const [status, id] of Object.entries(BY_STATUS))
      expect(run.stdout).toContain(
        status === 'waiting'
          ? `waiting  ${id}: a person to do it (next: wg done ${id})`
          : `held     ${id}: ${status} (a status of the Rust wg`,
      );
    expect(readFileSync(join(root, 'CHANGELOG.md'), 'utf8')).toBe('changed\n');
    const after = readFileSync(join(dir, 'graph.jsonl'), 'utf8').split('\n');
    for (const line of FIXTURE.split('\n')) if (!line.includes('"id":"changelog"')) expect(after).toContain(line);
  });

  it('a write elsewhere keeps every record and field: untouched lines byte for byte, changed ones equal but for the new log entry', async () => {
    const root = folder();
    const dir = upstreamProject(root);
    await ok(['log', 'changelog', 'started on the changelog'], root);
    await ok(['log', 'await-review', 'pinged the reviewers'], root);

    const before = FIXTURE.trimEnd().split('\n');
    const after = readFileSync(join(dir, 'graph.jsonl'), 'utf8').trimEnd().split('\n');
    expect(after).toHaveLength(before.length);
    for (let i = 0; i < before.length; i++) {
      const changed = ['"id":"changelog"', '"id":"await-review"'].some((id) => before[i]!.includes(id));
      if (!changed) {
        expect(after[i]).toBe(before[i]);
        continue;
      }
      const original = JSON.parse(before[i]!) as { log?: unknown[] };
      const { log, ...rest } = JSON.parse(after[i]!) as { log: Array<{ message: string }> };
      const { log: originalLog = [], ...originalRest } = original;
      expect(rest).toEqual(originalRest);
      expect(Object.keys(rest)).toEqual(Object.keys(originalRest)); // the key order upstream wrote, `after` still `after`
      expect(log.slice(0, -1)).toEqual(originalLog);
      expect(log.at(-1)!.message).toMatch(/^(started on the changelog|pinged the reviewers)$/);
    }
    expect(await json<unknown[]>(['list'], root)).toHaveLength(10);
  });

  it('a task upstream archived still counts for its dependents: archived done lets them start, archived failed does not, neither is missing', async () => {
    const root = folder();
    const graph = [
      '{"kind":"archivedboundary","id":"old-done","title":"Old done","status":"done","successors":["next-a"],"archived_at":"2026-05-01T00:00:00+00:00"}',
      '{"kind":"archivedboundary","id":"old-failed","title":"Old failed","status":"failed","successors":["next-b"],"archived_at":"2026-05-01T00:00:00+00:00"}',
      '{"kind":"task","id":"next-a","title":"Next A","presentation":"primary","origin":{"kind":"user"},"status":"open","priority":10,"after":["old-done"]}',
      '{"kind":"task","id":"next-b","title":"Next B","presentation":"primary","origin":{"kind":"user"},"status":"open","priority":10,"after":["old-failed"]}',
      '',
    ].join('\n');
    const dir = upstreamProject(root, graph);
    expect((await json<Array<{ id: string }>>(['ready'], root)).map((task) => task.id)).toEqual(['next-a']);
    expect(await json<Array<{ id: string; status: string }>>(['blocked', 'next-b'], root)).toMatchObject([
      { id: 'old-failed', status: 'failed' },
    ]);
    expect((await runWg(['check'], { cwd: root })).exitCode).toBe(0);
    expect((await json<{ blockers: unknown[] }>(['show', 'next-a'], root)).blockers).toEqual([
      { id: 'old-done', status: 'done', archived: true },
    ]);
    expect(await ok(['show', 'next-b'], root)).toContain('blocked by:    old-failed (archived, failed)');
    await ok(['add', 'Follow-up', '--id', 'follow-up', '--blocked-by', 'old-done'], root);
    expect((await json<Array<{ id: string }>>(['ready'], root)).map((task) => task.id)).toEqual([
      'next-a',
      'follow-up',
    ]);
    await ok(['claim', 'next-a'], root);
    expect(readFileSync(join(dir, 'graph.jsonl'), 'utf8').split('\n').slice(0, 2)).toEqual(
      graph.split('\n').slice(0, 2),
    );
  });

  it("reads upstream's other spellings of a status (FailedPendingEval, pending_validation) and writes the line back as it was", async () => {
    const root = folder();
    const graph = [
      '{"kind":"task","id":"a","title":"A","status":"FailedPendingEval","created_at":"2026-04-27T17:00:00+00:00"}',
      '{"kind":"task","id":"b","title":"B","status":"pending_validation","created_at":"2026-04-27T17:00:00+00:00"}',
      '{"kind":"task","id":"c","title":"C","status":"InProgress"}',
      '{"kind":"task","id":"d","title":"D","status":"open","after":["a"]}',
      '',
    ].join('\n');
    const dir = upstreamProject(root, graph);
    expect(
      (await json<Array<{ id: string }>>(['list', '--status', 'failed-pending-eval'], root)).map((t) => t.id),
    ).toEqual(['a']);
    expect(
      (await json<Array<{ id: string }>>(['list', '--status', 'pending-validation'], root)).map((t) => t.id),
    ).toEqual(['b']);
    expect((await json<Array<{ id: string }>>(['list', '--status', 'in-progress'], root)).map((t) => t.id)).toEqual([
      'c',
    ]);
    expect(await json<unknown[]>(['ready'], root)).toEqual([]);
    await ok(['log', 'd', 'note'], root);
    const lines = readFileSync(join(dir, 'graph.jsonl'), 'utf8').split('\n');
    expect(lines.slice(0, 3)).toEqual(graph.split('\n').slice(0, 3));
    expectOneLineError(
      await runWg(['list'], {
        cwd: upstreamProject(folder(), '{"kind":"task","id":"x","title":"X","status":"on-hold"}\n'),
      }),
      /^error: graph\.jsonl:1: task "x": status/,
    );
  });
});

describe('finding the graph folder as upstream does', () => {
  const taskIds = async (cwd: string, env: Record<string, string | undefined> = {}) =>
    (await json<Array<{ id: string }>>(['list'], cwd, env)).map((t) => t.id);
  const graphWith = (id: string) => `{"kind":"task","id":"${id}","title":"${id}","status":"open"}\n`;

  it('.wg wins over .workgraph in the same folder; the nearer folder wins over a farther one; --dir and WG_DIR may name the project root', async () => {
    const root = folder();
    upstreamProject(root, graphWith('in-wg'));
    mkdirSync(join(root, '.workgraph'));
    writeFileSync(join(root, '.workgraph', 'graph.jsonl'), graphWith('in-workgraph'));
    const nested = join(root, 'packages', 'app');
    mkdirSync(join(nested, '.workgraph'), { recursive: true });
    writeFileSync(join(nested, '.workgraph', 'graph.jsonl'), graphWith('nested'));
    mkdirSync(join(nested, 'src'));

    expect(await taskIds(root)).toEqual(['in-wg']);
    expect(await taskIds(join(nested, 'src'))).toEqual(['nested']);
    const elsewhere = mkdtempSync(join(root, 'elsewhere-'));
    expect(await taskIds(elsewhere, { WG_DIR: root })).toEqual(['in-wg']);
    expect(await taskIds(elsewhere, { WG_DIR: join(root, '.workgraph') })).toEqual(['in-workgraph']);
    expect(await taskIds(elsewhere, { WG_DIR: nested })).toEqual(['nested']);
    expect(
      (await json<Array<{ id: string }>>(['--dir', join(root, '.workgraph'), 'list'], elsewhere)).map((t) => t.id),
    ).toEqual(['in-workgraph']);
    expect((await json<Array<{ id: string }>>(['--dir', root, 'list'], elsewhere)).map((t) => t.id)).toEqual(['in-wg']);
    // An empty WG_DIR is unset, as upstream treats it.
    expect(await taskIds(root, { WG_DIR: '' })).toEqual(['in-wg']);
  });

  it('wg init writes .workgraph, and in a folder that has a .wg it says so instead of making a second graph', async () => {
    const root = folder();
    const fresh = join(root, 'fresh');
    mkdirSync(fresh);
    expect(await ok(['init'], fresh)).toContain(join(fresh, '.workgraph'));

    const upstream = join(root, 'upstream');
    upstreamProject(upstream);
    expectOneLineError(
      await runWg(['init'], { cwd: upstream }),
      new RegExp(`^error: ${join(upstream, '.wg').replace(/[.]/g, '\\.')} is already initialised`),
    );
    expectOneLineError(await runWg(['--dir', upstream, 'init'], { cwd: root }), /is already initialised/);
    expect(readFileSync(join(upstream, '.wg', 'graph.jsonl'), 'utf8')).toBe(FIXTURE);
    expect(existsSync(join(upstream, '.workgraph'))).toBe(false);
    expect(existsSync(join(upstream, 'graph.jsonl'))).toBe(false);
    expectOneLineError(
      await runWg(['list'], { cwd: join(root) }),
      /^error: no \.wg or \.workgraph here or in any parent folder\nhint: `wg init` creates one/,
    );
  });

  it("wg run in a git repository with upstream's .wg/: a dot-named task lands its commit, and nothing under .wg/ is committed", async () => {
    const root = folder();
    const git = async (...args: string[]) => String((await execa('git', args, { cwd: root })).stdout);
    await git('init', '--quiet', '--initial-branch', 'main');
    await git('config', 'user.email', 'tester@example.com');
    await git('config', 'user.name', 'Tester');
    writeFileSync(join(root, 'README.md'), '# demo\n');
    upstreamProject(
      root,
      '{"kind":"task","id":".lint-pass","title":"Lint pass","presentation":"autonomous","origin":{"kind":"autonomous-actor","goal":"tidy"},"status":"open","priority":10,"exec":"echo notes > .wg/agent-notes.md && echo linted > LINT.md"}\n',
    );
    // A team that commits upstream's config: .wg/ is then in every worktree too.
    await git('add', 'README.md', '.wg/config.toml', '.wg/.gitignore');
    await git('commit', '--quiet', '-m', 'initial');

    const run = await runWg(['run'], { cwd: root });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect((await json<{ status: string }>(['show', '.lint-pass'], root)).status).toBe('done');
    expect(await git('log', '--format=%s%n%b', '-1')).toMatch(/^Lint pass\nWorkgraph-Task: \.lint-pass/);
    expect((await git('show', '--name-only', '--format=', 'HEAD')).trim()).toBe('LINT.md');
    expect(readFileSync(join(root, 'LINT.md'), 'utf8')).toBe('linted\n');
  });
});
