/**
 * The PostgreSQL store, against the machine's real server: each test has a database of
 * its own. Nothing is mocked and nothing is skipped. What every store promises (reads after
 * writes, no lost update, changes seen from elsewhere) is test/store/postgres.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, query, type TestDatabase } from '../support/postgres.js';
import { cleanEnv, REPO_ROOT, runWg, tempProject, WG_BIN, type Project } from '../support/wg.js';

const databases: TestDatabase[] = [];
const folders: string[] = [];
afterEach(async () => {
  for (const database of databases.splice(0)) await database.drop();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

async function database(): Promise<TestDatabase> {
  const created = await createDatabase();
  databases.push(created);
  return created;
}

/** A folder with `wg init --store URL` run in it. */
async function pgProject(url: string): Promise<{
  dir: string;
  wg: (args: string[], env?: Record<string, string | undefined>) => ReturnType<typeof runWg>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'wg-pg-'));
  folders.push(dir);
  const init = await runWg(['init', '--store', url], { cwd: dir });
  expect(init.exitCode, init.stderr).toBe(0);
  return { dir, wg: (args, env) => runWg(args, { cwd: dir, env }) };
}

const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g;
const normalize = (text: string) => text.replace(ISO, '<time>').replace(/"token": "[^"]+"/g, '"token": "<token>"');

describe('wg on a PostgreSQL store', () => {
  it('init creates the schema and no graph.jsonl; a second folder joins the same graph', async () => {
    const db = await database();
    const first = await pgProject(db.url);
    expect(existsSync(join(first.dir, '.workgraph', 'graph.jsonl'))).toBe(false);
    expect(readFileSync(join(first.dir, '.workgraph', 'config.toml'), 'utf8')).toContain(
      `[store]\n# The graph lives in PostgreSQL (WG_STORE_URL overrides this).\nurl = "${db.url}"`,
    );
    expect((await first.wg(['add', 'Shared task', '--id', 'shared'])).exitCode).toBe(0);
    const second = mkdtempSync(join(tmpdir(), 'wg-pg-'));
    folders.push(second);
    const joined = await runWg(['init', '--store', db.url], { cwd: second });
    expect(joined.stdout).toMatch(/^Joined the graph at .* \(1 tasks\)/);
    expect(
      JSON.parse((await runWg(['list', '--json'], { cwd: second })).stdout).map((task: { id: string }) => task.id),
    ).toEqual(['shared']);
    const migrations = async () =>
      (await query<Array<{ version: number }>>(db.url, 'SELECT version FROM wg_migrations ORDER BY version')).map(
        (row) => row.version,
      );
    expect(await migrations()).toEqual([1, 2]);
    // A graph made by a wg that knew only the first migration is brought up to date on first use.
    await query(
      db.url,
      'DROP TABLE wg_version; DROP FUNCTION wg_bump_version() CASCADE; DELETE FROM wg_migrations WHERE version = 2',
    );
    expect(
      JSON.parse((await runWg(['list', '--json'], { cwd: second })).stdout).map((task: { id: string }) => task.id),
    ).toEqual(['shared']);
    expect(await migrations()).toEqual([1, 2]);
  });

  it('every command answers as it does on the file store, --json included', async () => {
    const db = await database();
    const onPostgres = await pgProject(db.url);
    const file: Project = await tempProject();
    folders.push(file.dir);
    const script: string[][] = [
      ['add', 'Design API', '--skill', 'design', '--deliverable', 'api.md', '--hours', '2'],
      ['add', 'Build API', '--blocked-by', 'design-api', '--skill', 'ts', '--verify', 'npm test'],
      ['actor', 'add', 'alice', '--cap', 'design,ts', '--trust', 'verified'],
      ['ready', '--json'],
      ['claim', 'design-api', '--actor', 'alice', '--json'],
      ['log', 'design-api', 'sketched the endpoints', '--actor', 'alice', '--force'],
      ['artifact', 'design-api', 'api.md', '--actor', 'alice', '--force'],
      ['done', 'design-api', '--actor', 'alice', '--force'],
      ['ready', '--json'],
      ['list', '--json'],
      ['show', 'design-api', '--json'],
      ['context', 'build-api', '--json'],
      ['why-blocked', 'build-api', '--json'],
      ['critical-path', '--json'],
      ['check', '--json'],
      ['show', 'no-such-task'],
    ];
    for (const args of script) {
      const [a, b] = [await file.wg(args), await onPostgres.wg(args)];
      expect({ args, exitCode: b.exitCode, stdout: normalize(b.stdout), stderr: b.stderr }).toEqual({
        args,
        exitCode: a.exitCode,
        stdout: normalize(a.stdout),
        stderr: a.stderr,
      });
    }
    // The log went to its own table, one row per entry.
    const logs = await query<Array<{ task_id: string; entry: { message: string } }>>(
      db.url,
      "SELECT task_id, entry FROM wg_log WHERE task_id = 'design-api' ORDER BY seq",
    );
    expect(logs.map((row) => row.entry.message)).toEqual(expect.arrayContaining(['sketched the endpoints', 'done']));
  });

  it('16 processes racing one claim: one winner, the others told who holds it', async () => {
    const db = await database();
    const project = await pgProject(db.url);
    expect((await project.wg(['add', 'Contested', '--id', 'contested'])).exitCode).toBe(0);
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        execa('node', [WG_BIN, 'claim', 'contested', '--actor', `p${i}`], {
          cwd: project.dir,
          env: cleanEnv(),
          reject: false,
        }),
      ),
    );
    const winners = results.filter((result) => result.exitCode === 0);
    expect(winners).toHaveLength(1);
    const shown = JSON.parse((await project.wg(['show', 'contested', '--json'])).stdout);
    const winner = `p${results.indexOf(winners[0]!)}`;
    expect(shown).toMatchObject({ status: 'in-progress', assigned: winner, attempts: 1 });
    for (const loser of results.filter((result) => result.exitCode !== 0))
      expect(String(loser.stderr)).toMatch(new RegExp(`^error: already claimed by ${winner} \\(since `));
  });

  it('imports the upstream formats and exports them again with every record and field', async () => {
    const fixtures = [
      join(REPO_ROOT, 'test/fixtures/upstream-graph.jsonl'),
      join(REPO_ROOT, '../shared/fixtures/upstream-early-graph.jsonl'),
    ];
    for (const fixture of fixtures) {
      if (!existsSync(fixture)) {
        console.warn(`SKIPPED: ${fixture} is absent (a fresh clone has no ../shared/)`);
        continue;
      }
      const db = await database();
      const project = await pgProject(db.url);
      const imported = await project.wg(['import', fixture, '--json']);
      expect(imported.exitCode, imported.stderr).toBe(0);
      const exported = await project.wg(['export']);
      expect(exported.exitCode, exported.stderr).toBe(0);
      const records = (text: string) =>
        text
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Record<string, unknown>);
      // The same records in the same order, every field kept (a task's log is stored apart, so it comes last in its line).
      expect(records(exported.stdout)).toEqual(records(readFileSync(fixture, 'utf8')));
      // And they answer as they would from the file.
      const file = await tempProject();
      folders.push(file.dir);
      await file.ok(['import', fixture]);
      for (const args of [
        ['ready', '--json'],
        ['list', '--json'],
        ['check', '--json'],
      ])
        expect(normalize((await project.wg(args)).stdout)).toBe(normalize((await file.wg(args)).stdout));
      // A second import into a graph that is not empty needs --replace.
      expect((await project.wg(['import', fixture])).stderr).toMatch(/^error: this workgraph is not empty/);
      expect((await project.wg(['import', fixture, '--replace'])).exitCode).toBe(0);
    }
  });

  it('wg run drives a graph to the end on PostgreSQL', async () => {
    const db = await database();
    const project = await pgProject(db.url);
    for (const id of ['a', 'b', 'c'])
      expect(
        (await project.wg(['add', id, '--id', id, '--exec', `echo ${id} > ${id}.txt`, '--deliverable', `${id}.txt`]))
          .exitCode,
      ).toBe(0);
    expect(
      (
        await project.wg([
          'add',
          'Join',
          '--id',
          'join',
          '--blocked-by',
          'a,b,c',
          '--exec',
          'cat a.txt b.txt c.txt > all.txt',
        ])
      ).exitCode,
    ).toBe(0);
    const run = await project.wg(['run', '--parallel', '3']);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(readFileSync(join(project.dir, 'all.txt'), 'utf8')).toBe('a\nb\nc\n');
    const tasks = JSON.parse((await project.wg(['list', '--json'])).stdout) as Array<{ id: string; status: string }>;
    expect(tasks.map((task) => task.status)).toEqual(['done', 'done', 'done', 'done']);
    const done = await query<Array<{ count: string }>>(
      db.url,
      "SELECT count(*) FROM wg_log WHERE entry->>'message' = 'done'",
    );
    expect(Number(done[0]!.count)).toBe(4);
  });

  it('WG_STORE_URL overrides the config; bad URLs and a down server give one-line errors', async () => {
    const db = await database();
    const project = await pgProject(db.url);
    await project.wg(['add', 'Here', '--id', 'here']);
    const other = await database();
    const elsewhere = await project.wg(['list'], { WG_STORE_URL: other.url });
    expect(elsewhere.exitCode).toBe(1);
    expect(elsewhere.stderr).toBe(
      `error: PostgreSQL at ${other.url}: this database holds no workgraph (run wg init --store URL)`,
    );
    const refused = await project.wg(['list'], { WG_STORE_URL: 'postgres://postgres@127.0.0.1:1/nothing' });
    expect(refused.stderr).toBe(
      'error: PostgreSQL at postgres://postgres@127.0.0.1:1/nothing: connection refused (is the server running?)',
    );
    expect(refused.exitCode).toBe(1);
    const dir = mkdtempSync(join(tmpdir(), 'wg-pg-bad-'));
    folders.push(dir);
    for (const [url, message] of [
      ['http://127.0.0.1/x', /^error: store URL http:\/\/127\.0\.0\.1\/x is not a postgres:\/\/ URL\nhint: /],
      ['not a url', /^error: store URL not a url is not a URL\n/],
      ['postgres://postgres@127.0.0.1:5432', /^error: store URL .* names no database\n/],
      [
        `postgres://postgres@127.0.0.1:5432/${db.name}_missing`,
        /^error: PostgreSQL at .*: the database does not exist\nhint: create it first/,
      ],
    ] as const) {
      const result = await runWg(['init', '--store', url], { cwd: dir });
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toMatch(message);
      expect(existsSync(join(dir, '.workgraph'))).toBe(false);
    }
  });
});
