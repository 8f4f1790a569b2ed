/**
 * The file store's journal: `wg run` appends each transaction's changed records to
 * .workgraph/graph.journal and folds them into graph.jsonl when the journal grows, when
 * it has sat a moment, and when the run ends. Every reader applies it over graph.jsonl.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempProject, WG_BIN, type Project } from '../support/wg.js';

let project: Project;
beforeEach(async () => {
  project = await tempProject();
});
const journalPath = () => join(project.dir, '.workgraph', 'graph.journal');
const lines = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { kind: string; id: string; status?: string; title?: string });

describe('the graph journal', () => {
  it('wg run with default settings: agents see every change at once, graph.jsonl stays a valid upstream file throughout, and ends whole', async () => {
    // Each task, run by the real runner, looks at the graph from a process of its own: the task
    // before it must be done already, and graph.jsonl as it is this moment is kept for the checks below.
    const ids = ['t1', 't2', 't3', 't4', 't5'];
    for (const [i, id] of ids.entries()) {
      const look = i === 0 ? 'true' : `node ${WG_BIN} show ${ids[i - 1]} --json > seen-${id}.json`;
      const exec = `${look}; test -f .workgraph/graph.journal && touch journal-${id}; cp .workgraph/graph.jsonl snapshot-${id}.jsonl`;
      await project.ok([
        'add',
        `Task ${id}`,
        '--id',
        id,
        '--exec',
        exec,
        ...(i > 0 ? ['--blocked-by', ids[i - 1]!] : []),
      ]);
    }
    const result = await project.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);

    for (const id of ids.slice(1))
      expect(JSON.parse(readFileSync(join(project.dir, `seen-${id}.json`), 'utf8')).status, id).toBe('done');
    // The run's changes went to the journal while it ran (without it, none of these files exist).
    expect(ids.filter((id) => existsSync(join(project.dir, `journal-${id}`))).length).toBeGreaterThan(0);
    for (const id of ids) {
      const snapshot = lines(readFileSync(join(project.dir, `snapshot-${id}.jsonl`), 'utf8'));
      expect(snapshot.map((record) => record.id).sort(), id).toEqual([...ids].sort());
    }
    expect(existsSync(journalPath())).toBe(false);
    expect(lines(project.graphText()).map((task) => task.status)).toEqual(ids.map(() => 'done'));
    expect((await project.wg(['check'])).exitCode).toBe(0);
  });

  it('a torn last line (a writer killed mid-append) never happened: readers skip it and the next run cuts it off', async () => {
    await project.ok(['add', 'First', '--id', 'first']);
    // Run by the runner after it appended its claim: the journal it reads must not hold the torn line glued to that claim.
    await project.ok(['add', 'Second', '--id', 'second', '--exec', `node ${WG_BIN} list --json > listed.json`]);
    const renamed = JSON.stringify({ kind: 'task', id: 'first', title: 'First, renamed', status: 'open' });
    writeFileSync(
      journalPath(),
      `{"set":[${renamed}],"delete":[]}\n{"set":[{"kind":"task","id":"second","title":"torn`,
    );
    expect((await project.json<{ title: string }>(['show', 'first'])).title).toBe('First, renamed');
    expect((await project.json<{ status: string }>(['show', 'second'])).status).toBe('open');
    expect((await project.wg(['check'])).exitCode).toBe(0);

    const run = await project.wg(['run', 'second']);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(project.dir, 'listed.json'), 'utf8'))).toHaveLength(2);
    expect(existsSync(journalPath())).toBe(false);
    const records = lines(project.graphText());
    expect(records.find((task) => task.id === 'first')?.title).toBe('First, renamed');
    expect(records.find((task) => task.id === 'second')?.status).toBe('done');
    expect((await project.wg(['check'])).exitCode).toBe(0);
  });

  it('a journal already folded into graph.jsonl (a crash between the two steps) changes nothing when read again, and a one-off command folds it away', async () => {
    await project.ok(['add', 'Only', '--id', 'only']);
    await project.ok(['log', 'only', 'first note']);
    const record = lines(project.graphText())[0]!;
    writeFileSync(journalPath(), `{"set":[${JSON.stringify(record)}],"delete":[]}\n`);
    const shown = await project.json<{ log: Array<{ message: string }> }>(['show', 'only']);
    expect(shown.log.map((entry) => entry.message).filter((message) => message === 'first note')).toHaveLength(1);
    expect((await project.json<unknown[]>(['list'])).length).toBe(1);
    await project.ok(['log', 'only', 'second note']);
    expect(existsSync(journalPath())).toBe(false);
    expect(lines(project.graphText())).toHaveLength(1);
  });

  it('a broken line in the middle: one-line error naming graph.journal and the line, and wg check lists it', async () => {
    await project.ok(['add', 'Only', '--id', 'only']);
    const fine = `{"set":[${JSON.stringify({ kind: 'task', id: 'only', title: 'Only', status: 'open' })}],"delete":[]}`;
    writeFileSync(journalPath(), `${fine}\nnot json\n${fine}\n`);
    const list = await project.wg(['list']);
    expect(list.exitCode).not.toBe(0);
    expect(list.stderr.trim().split('\n')[0]).toMatch(/^error: graph\.journal:2: invalid JSON/);
    expect(list.stderr).not.toMatch(/^\s+at /m);
    const check = await project.wg(['check']);
    expect(check.exitCode).toBe(1);
    expect(check.stdout + check.stderr).toContain('graph.journal:2');
    // Nothing was changed to "repair" it.
    expect(readdirSync(join(project.dir, '.workgraph'))).toContain('graph.journal');
  });
});
