import { describe, expect, it } from 'vitest';
import { GraphSnapshot } from '../../src/store/file/graph-snapshot.js';
import { MISSING } from '../../src/store/file/file-identity.js';
import { journalLine } from '../../src/store/file/journal.js';
import { parseGraph } from '../../src/store/jsonl.js';

const BASE = '{"kind":"task","id":"a","title":"A","status":"open"}\n';

function snapshot(): GraphSnapshot {
  const parsed = parseGraph(BASE, undefined);
  return new GraphSnapshot(parsed.graph, {
    identity: MISSING,
    lines: parsed.lines,
    digest: () => 'digest',
    bytes: BASE.length,
  });
}

const line = (id: string, title: string) => journalLine([{ kind: 'task', id, record: { id, title, status: 'open' } }]);

describe('GraphSnapshot: graph.jsonl plus the journal lines applied over it', () => {
  it('catches up with whole journal lines only, and goes on from where it stopped', () => {
    const live = snapshot();
    const first = line('b', 'B');
    const torn = line('c', 'C').slice(0, 10);
    expect(live.catchUp(7n, 0, Buffer.from(first + torn), undefined)).toEqual([]);
    expect([...live.graph.tasks.keys()]).toEqual(['a', 'b']);
    expect(live.journal).toEqual({ ino: 7n, length: first.length, lines: 1 });
    const second = line('c', 'C');
    live.catchUp(7n, first.length, Buffer.from(second), undefined);
    expect(live.journal).toEqual({ ino: 7n, length: first.length + second.length, lines: 2 });
    expect(live.wholeLines().map((l) => l.id)).toEqual(['a', 'b', 'c']);
  });

  it('numbers a bad journal line by its place in the whole journal', () => {
    const live = snapshot();
    const first = line('b', 'B');
    live.catchUp(7n, 0, Buffer.from(first), undefined);
    expect(live.catchUp(7n, first.length, Buffer.from('not json\n'), undefined)).toEqual([
      expect.stringMatching(/^graph\.journal:2: invalid JSON/),
    ]);
  });

  it('appends after what it applied of the same journal, and from the start of another', () => {
    const live = snapshot();
    live.catchUp(7n, 0, Buffer.from(line('b', 'B')), undefined);
    const applied = live.appliedLength(7n);
    expect(live.appliedLength(8n)).toBe(0);
    live.afterAppend(7n, 10);
    expect(live.journal).toEqual({ ino: 7n, length: applied + 10, lines: 2 });
    live.afterAppend(8n, 10);
    expect(live.journal).toEqual({ ino: 8n, length: 10, lines: 1 });
  });

  it('after a rewrite holds the new graph.jsonl and no journal', () => {
    const live = snapshot();
    live.catchUp(7n, 0, Buffer.from(line('b', 'B')), undefined);
    const lines = live.render();
    live.afterRewrite({ identity: MISSING, lines, digest: () => 'new', bytes: 99 });
    expect([live.journal, live.baseBytes, live.digest()]).toEqual([undefined, 99, 'new']);
    expect(live.wholeLines()).toBe(lines);
  });

  it('records a change with the aliases its line was written with', () => {
    const aliased = '{"kind":"task","id":"a","title":"A","status":"open","after":[]}\n';
    const parsed = parseGraph(aliased, undefined);
    const live = new GraphSnapshot(parsed.graph, {
      identity: MISSING,
      lines: parsed.lines,
      digest: () => '',
      bytes: 0,
    });
    expect(live.changeOf('task', 'a')).toMatchObject({ kind: 'task', id: 'a', record: { id: 'a' } });
    expect(live.changeOf('task', 'a').aliases).toEqual({ blocked_by: 'after' });
  });
});
