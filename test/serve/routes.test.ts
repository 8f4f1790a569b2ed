/**
 * wg serve's routes, against the real built binary: only the page's files are served,
 * actions need --allow-actions and the token, inputs are checked, and changes made by
 * other processes arrive on /api/events.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeProject, script } from '../support/fake.js';
import { createDatabase } from '../support/postgres.js';
import { runWg, tempProject, type Project } from '../support/wg.js';
import { raw, readEvents, serve, type Served } from './support.js';

let project: Project | undefined;
let served: Served | undefined;
afterEach(async () => {
  await served?.stop();
  served = undefined;
  project = undefined;
});

const SECRET = 'TOP-SECRET-MARKER-4711';

async function setup(args: string[] = []): Promise<{ project: Project; served: Served }> {
  project = await tempProject();
  await project.ok(['add', 'Design', '--id', 'design', '--tag', 'api']);
  await project.ok(['add', 'Build', '--id', 'build', '--blocked-by', 'design']);
  writeFileSync(join(project.dir, 'secret.txt'), SECRET);
  writeFileSync(join(project.dir, '.workgraph', 'secret.txt'), SECRET);
  served = await serve(project.dir, args);
  return { project, served };
}

describe('wg serve routes', () => {
  it('serves the page and the graph as JSON, and nothing outside its own files', async () => {
    const { served } = await setup();
    expect(served.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await raw(served.port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script type="module" src="/assets/app.js">');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect((await raw(served.port, '/assets/app.js')).status).toBe(200);

    const graph = (await (await fetch(`${served.api}api/graph`)).json()) as {
      tasks: Array<{ id: string; status: string; display: string }>;
      critical_path: string[];
    };
    expect(graph.tasks.map((task) => [task.id, task.status, task.display])).toEqual([
      ['design', 'open', 'open'],
      ['build', 'open', 'blocked'],
    ]);
    expect(graph.critical_path).toEqual(['design', 'build']);
    const filtered = (await (await fetch(`${served.api}api/graph?tag=api`)).json()) as { tasks: Array<{ id: string }> };
    expect(filtered.tasks.map((task) => task.id)).toEqual(['design']);

    const traversals = [
      '/../secret.txt',
      '/../../../../etc/passwd',
      '/assets/../secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/%2e%2e/%2e%2e/secret.txt',
      '/.workgraph/secret.txt',
      '/secret.txt',
      '/api/tasks/..%2f..%2fsecret.txt',
      '/api/tasks/design/attempts/..%2f..%2f..%2fsecret.txt/prompt',
      '/api/tasks/..%2f..%2f/attempts/1/prompt',
      '/api/tasks/design/attempts/1%2f..%2f..%2f..%2f..%2fsecret.txt/prompt',
    ];
    // Links planted in the runs folder (an agent can write there) are not followed.
    mkdirSync(join(project!.dir, '.workgraph', 'runs', 'design', '1'), { recursive: true });
    symlinkSync(join(project!.dir, 'secret.txt'), join(project!.dir, '.workgraph', 'runs', 'design', '1', 'prompt.md'));
    symlinkSync(
      join(project!.dir, 'secret.txt'),
      join(project!.dir, '.workgraph', 'runs', 'design', '1', 'output.log'),
    );
    symlinkSync(project!.dir, join(project!.dir, '.workgraph', 'runs', 'build'));
    writeFileSync(join(project!.dir, '1'), SECRET);
    for (const path of [
      '/api/tasks/design/attempts/1/prompt',
      '/api/tasks/design/attempts/1/output',
      '/api/tasks/build/attempts/1/prompt',
    ]) {
      const response = await raw(served.port, path);
      expect(response.status, path).toBe(403);
      expect(response.body, path).not.toContain(SECRET);
    }
    for (const path of traversals) {
      const response = await raw(served.port, path);
      expect([400, 404], path).toContain(response.status);
      expect(response.body, path).not.toContain(SECRET);
      expect(response.body, path).not.toContain('root:');
      expect(JSON.parse(response.body).error, path).toMatch(/\S/);
    }
  });

  it('checks its inputs and the Host header', async () => {
    const { served } = await setup();
    const bad = await raw(served.port, '/api/graph?colour=red');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/^bad query: .*colour/);
    expect((await raw(served.port, '/api/tasks/design/attempts/0/output')).status).toBe(400);
    expect((await raw(served.port, '/api/tasks/nope')).status).toBe(404);
    // A page on another site that resolves its name to 127.0.0.1 (DNS rebinding) is refused.
    const rebound = await raw(served.port, '/api/graph', { headers: { Host: `evil.example:${served.port}` } });
    expect(rebound.status).toBe(421);
    expect((await raw(served.port, '/api/graph', { method: 'DELETE' })).status).toBe(405);
  });

  it('refuses actions when read-only, and without the right token', async () => {
    const { project, served } = await setup();
    await project.ok(['fail', 'design', '--reason', 'broke']);
    const post = (token?: string) =>
      raw(served.port, '/api/tasks/design/retry', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        body: '{}',
      });
    const readOnly = await post('anything');
    expect(readOnly.status).toBe(403);
    expect(JSON.parse(readOnly.body).error).toContain('--allow-actions');
    expect(served.token).toBeNull();
    expect((await project.json(['show', 'design'])).status).toBe('failed');
  });

  it('with --allow-actions, retries, unclaims and abandons only with the token, through the usual transitions', async () => {
    const { project, served } = await setup(['--allow-actions']);
    const token = served.token!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(served.url).toBe(`${served.api}#token=${token}`);
    await project.ok(['fail', 'design', '--reason', 'broke']);
    const post = (id: string, action: string, body: string, auth?: string) =>
      raw(served.port, `/api/tasks/${id}/${action}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: auth } : {}) },
        body,
      });

    for (const auth of [undefined, 'Bearer wrong-token', `Basic ${token}`, `Bearer ${token}x`]) {
      const refused = await post('design', 'retry', '{}', auth);
      expect(refused.status, String(auth)).toBe(403);
    }
    expect((await project.json(['show', 'design'])).status).toBe('failed');
    expect((await raw(served.port, '/api/tasks/design/retry', { method: 'GET' })).status).toBe(405);
    expect((await post('design', 'retry', '{"force":true}', `Bearer ${token}`)).status).toBe(400);

    const retried = await post('design', 'retry', '{}', `Bearer ${token}`);
    expect(retried.status).toBe(200);
    expect(JSON.parse(retried.body)).toEqual({ id: 'design', status: 'open' });
    expect((await project.json(['show', 'design'])).status).toBe('open');

    await project.ok(['claim', 'design', '--actor', 'agent-1']);
    const unclaimed = await post('design', 'unclaim', '{"reason":"handing over"}', `Bearer ${token}`);
    expect(JSON.parse(unclaimed.body)).toEqual({ id: 'design', status: 'open' });
    const shown = await project.json<{ log: Array<{ message: string }> }>(['show', 'design']);
    expect(shown.log.at(-1)!.message).toBe('unclaimed: handing over');

    expect((await post('build', 'abandon', '{}', `Bearer ${token}`)).status).toBe(400);
    const refusedMove = await post('build', 'retry', '{}', `Bearer ${token}`);
    expect(refusedMove.status).toBe(409);
    expect(JSON.parse(refusedMove.body).error).toBe('build is open, only a failed task can be retried');
    expect((await post('build', 'abandon', '{"reason":"not needed"}', `Bearer ${token}`)).status).toBe(200);
    expect((await project.json(['show', 'build'])).status).toBe('abandoned');
  });

  it('streams a change made by another process on /api/events', async () => {
    const { project, served } = await setup();
    const events = await readEvents(
      `${served.api}api/events`,
      (event) =>
        event.event === 'graph' &&
        event.data.changed?.some(
          (task: { id: string; status: string }) => task.id === 'design' && task.status === 'done',
        ),
      20_000,
      async () => void (await project.ok(['done', 'design'])),
    );
    const last = events.at(-1)!.data;
    expect(last.full).toBe(false);
    expect(last.header.counts.done).toBe(1);
    // build is no longer blocked: its display status changes with design's.
    expect(last.changed.find((task: { id: string }) => task.id === 'build')?.display).toBe('open');
  });

  it("gives a task's attempts with their outcomes, reasons, backend, prompt and output", async () => {
    project = await fakeProject();
    await project.ok(['add', 'Greet', '--id', 'greet', '--prompt', script([], 'Say hello to the dashboard.')]);
    await project.ok(['add', 'Broken', '--id', 'broken', '--max-retries', '1', '--exec', 'echo about to fail; exit 4']);
    await project.wg(['run']);
    served = await serve(project.dir);
    const detail = async (id: string) =>
      (await (await fetch(`${served!.api}api/tasks/${id}`)).json()) as {
        task: { status: string };
        attempts: Array<{
          attempt: number;
          outcome: string;
          reason: string | null;
          backend: string | null;
          actor: string | null;
          prompt_bytes: number | null;
          output_bytes: number | null;
        }>;
      };

    const greet = await detail('greet');
    expect(greet.task.status).toBe('done');
    expect(greet.attempts).toHaveLength(1);
    expect(greet.attempts[0]).toMatchObject({ attempt: 1, outcome: 'done', backend: 'fake', reason: null });
    expect(greet.attempts[0]!.prompt_bytes).toBeGreaterThan(0);
    const prompt = await raw(served.port, '/api/tasks/greet/attempts/1/prompt');
    expect(prompt.status).toBe(200);
    expect(prompt.body).toContain('Say hello to the dashboard.');
    expect((await raw(served.port, '/api/tasks/greet/attempts/7/prompt')).status).toBe(404);

    const broken = await detail('broken');
    expect(broken.task.status).toBe('failed');
    expect(broken.attempts[0]).toMatchObject({
      attempt: 1,
      outcome: 'failed',
      reason: 'exit code 4',
      backend: 'shell',
    });
    const output = await readEvents(
      `${served.api}api/tasks/broken/attempts/1/output`,
      (event) => event.event === 'output' && event.data.text.includes('about to fail'),
    );
    expect(output[0]).toEqual({ event: 'start', data: { from: 0, skipped: 0 } });
  });

  it("streams a running attempt's output even when its folder is made after the page asks", async () => {
    const { project, served } = await setup();
    await project.ok(['claim', 'design', '--actor', 'alice']);
    const runs = join(project.dir, '.workgraph', 'runs');
    rmSync(runs, { recursive: true, force: true });
    // Not yet attempted: a 404, as before.
    expect((await raw(served.port, '/api/tasks/build/attempts/1/output')).status).toBe(404);
    const abort = new AbortController();
    try {
      const response = await fetch(`${served.api}api/tasks/design/attempts/1/output`, { signal: abort.signal });
      expect(response.status).toBe(200);
      // The runner makes the folders and writes output only now, after the stream was opened.
      mkdirSync(join(runs, 'design', '1'), { recursive: true });
      writeFileSync(join(runs, 'design', '1', 'output.log'), 'first words\n');
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      while (!text.includes('first words')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      expect(text).toContain('event: start');
      expect(text).toContain('first words');
    } finally {
      abort.abort();
    }
  });

  it('serves a PostgreSQL store, and a change committed there arrives on /api/events', async () => {
    const db = await createDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'wg-serve-pg-'));
    try {
      const wg = async (args: string[]) => {
        const result = await runWg(args, { cwd: dir });
        expect(result.exitCode, result.stderr).toBe(0);
        return result.stdout;
      };
      await wg(['init', '--store', db.url]);
      await wg(['add', 'Design', '--id', 'design']);
      await wg(['add', 'Build', '--id', 'build', '--blocked-by', 'design']);
      served = await serve(dir);
      const graph = (await (await fetch(`${served.api}api/graph`)).json()) as {
        tasks: Array<{ id: string; display: string }>;
      };
      expect(graph.tasks.map((task) => `${task.id}:${task.display}`)).toEqual(['design:open', 'build:blocked']);
      const events = await readEvents(
        `${served.api}api/events`,
        (event) =>
          event.event === 'graph' &&
          event.data.changed?.some(
            (task: { id: string; last_log: string }) => task.id === 'build' && task.last_log === 'from another process',
          ),
        20_000,
        async () => void (await wg(['log', 'build', 'from another process'])),
      );
      expect(events.at(-1)!.data.changed).toHaveLength(1);
    } finally {
      await served?.stop();
      served = undefined;
      rmSync(dir, { recursive: true, force: true });
      await db.drop();
    }
  });

  it('answers --help with an example, and a bad port in one line', async () => {
    project = await tempProject();
    const help = await project.ok(['serve', '--help']);
    expect(help).toContain('--allow-actions');
    expect(help).toMatch(/Examples?:\n {2}wg serve/);
    const bad = await project.wg(['serve', '--port', 'seventy']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^error: bad option: --port/);
    served = await serve(project.dir);
    const taken = await project.wg(['serve', '--port', String(served.port)]);
    expect(taken.exitCode).toBe(1);
    expect(taken.stderr).toBe(
      `error: port ${served.port} on 127.0.0.1 is already in use\nhint: choose another with --port, or --port 0 for any free one`,
    );
  });

  it("shows a live run's own budget and its rate-limit pause in the header, and forgets the run when it ends", async () => {
    project = await fakeProject();
    // Attempt 1 reports a limit that lifts in 3 s; attempt 2 succeeds.
    await project.ok([
      'add',
      'Limited',
      '--id',
      'limited',
      '--max-retries',
      '0',
      '--prompt',
      script([{ failOnAttempts: [2], code: 0 }, { print: '::rate-limit 3' }, { sleep: 600000 }]),
    ]);
    served = await serve(project.dir);
    type Header = {
      budget_usd: number | null;
      runs: Array<{ pid: number; budget_usd: number | null }>;
      paused: Array<{ backend: string; until: string }>;
    };
    const header = async () => ((await (await fetch(`${served!.api}api/graph`)).json()) as { header: Header }).header;
    expect((await header()).runs).toEqual([]);
    const run = project.wg(['run', '--budget-usd', '7']);
    // The runner's record reaches the header (through the folder watch) while it is paused.
    let during: Header | undefined;
    await expect.poll(async () => (during = await header()).paused.length, { timeout: 15_000, interval: 50 }).toBe(1);
    if (!during) throw new Error('no header was read');
    expect(during.budget_usd).toBe(7);
    expect(during.runs).toHaveLength(1);
    expect(during.paused[0]!.backend).toBe('fake');
    expect((await run).exitCode).toBe(0);
    await expect.poll(async () => (await header()).runs, { timeout: 10_000, interval: 50 }).toEqual([]);
    expect((await header()).budget_usd).toBeNull();
  });
});
