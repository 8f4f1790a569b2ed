import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordProblem } from '../../src/graph/schema.js';
import { graphBytes, graphText, parseGraph, renderGraph, serializeRecord } from '../../src/store/jsonl.js';
import { REPO_ROOT } from '../support/wg.js';

const fixture = readFileSync(join(REPO_ROOT, 'test/fixtures/upstream-graph.jsonl'), 'utf8');

describe('graph.jsonl round trip', () => {
  it('rewrites an unchanged graph byte for byte, unknown kinds and fields included', () => {
    const parsed = parseGraph(fixture, recordProblem);
    expect(parsed.problems).toEqual([]);
    expect(graphText(renderGraph(parsed.graph, parsed.lines).lines)).toBe(fixture);
  });

  it('says whether anything changed, and writes the same bytes as the text, cached lines and all', () => {
    const parsed = parseGraph(fixture, recordProblem);
    const same = renderGraph(parsed.graph, parsed.lines);
    expect(same.changed).toBe(false);
    expect(graphBytes(same.lines).equals(Buffer.from(fixture))).toBe(true);

    // Untouched lines reuse the bytes cached above; the changed and the new line are encoded afresh.
    const design = parsed.graph.tasks.get('design-schema')!;
    parsed.graph.tasks.set('design-schema', { ...design, title: 'Schéma — entwerfen ✓' });
    parsed.graph.tasks.set('added', { id: 'added', title: 'Ajouté', status: 'open' });
    const edited = renderGraph(parsed.graph, same.lines);
    expect(edited.changed).toBe(true);
    expect(graphBytes(edited.lines).toString('utf8')).toBe(graphText(edited.lines));
    expect(graphText(edited.lines)).toContain('Schéma — entwerfen ✓');

    parsed.graph.tasks.delete('added');
    parsed.graph.tasks.delete('design-schema');
    const removed = renderGraph(parsed.graph, edited.lines);
    expect(removed.changed).toBe(true);
    expect(graphText(removed.lines)).not.toContain('"id":"design-schema"');
    expect(graphText(removed.lines)).not.toContain('"id":"added"');
  });

  it('keeps unknown fields, key order and line order when one record changes', () => {
    const parsed = parseGraph(fixture, recordProblem);
    const design = parsed.graph.tasks.get('design-schema')!;
    parsed.graph.tasks.set('design-schema', { ...design, title: 'Design the schema' });
    const lines = graphText(renderGraph(parsed.graph, parsed.lines).lines).trimEnd().split('\n');
    const rewritten = JSON.parse(lines[0]!);
    expect(Object.keys(rewritten)).toEqual(Object.keys(JSON.parse(fixture.split('\n')[0]!)));
    expect(rewritten.title).toBe('Design the schema');
    expect(rewritten.custom_upstream_field).toEqual({ nested: [1, 2, 3] });
    // Nanosecond timestamps written by upstream survive untouched.
    expect(rewritten.created_at).toBe('2026-01-25T16:20:57.125237177+00:00');
    expect(lines.slice(1)).toEqual(fixture.trimEnd().split('\n').slice(1));
  });

  it('reads `after` as blocked_by and writes it back under the name the line used', () => {
    const parsed = parseGraph(fixture, recordProblem);
    const task = parsed.graph.tasks.get('recover-failure')!;
    expect(task.blocked_by).toEqual(['fail-task']);
    parsed.graph.tasks.set(task.id, { ...task, blocked_by: ['fail-task', 'design-schema'] });
    const line = graphText(renderGraph(parsed.graph, parsed.lines).lines)
      .split('\n')
      .find((l) => l.includes('"recover-failure"'))!;
    expect(JSON.parse(line)).toMatchObject({ after: ['fail-task', 'design-schema'] });
    expect(line).not.toContain('blocked_by');
  });

  it('appends new records after the existing lines', () => {
    const parsed = parseGraph(fixture, recordProblem);
    parsed.graph.tasks.set('new-one', { id: 'new-one', title: 'New', status: 'open' });
    const lines = graphText(renderGraph(parsed.graph, parsed.lines).lines).trimEnd().split('\n');
    expect(lines.at(-1)).toBe('{"kind":"task","id":"new-one","title":"New","status":"open"}');
  });

  it('leaves empty lists, empty strings, zero counters and unset fields off the line', () => {
    const line = serializeRecord('task', {
      id: 'a',
      title: 'A',
      status: 'open',
      tags: [],
      retry_count: 0,
      claim: undefined,
      description: '',
      custom: [],
    });
    expect(line).toBe('{"kind":"task","id":"a","title":"A","status":"open","custom":[]}');
  });
});

describe('validation', () => {
  const bad = (line: string) =>
    parseGraph(`{"kind":"task","id":"ok","title":"fine","status":"open"}\n${line}\n`, recordProblem).problems;

  it('names the file and line of each problem', () => {
    expect(bad('{"kind":"task","id":"x","title":"X","status":"on-hold"}')[0]).toMatch(
      /^graph\.jsonl:2: task "x": status: /,
    );
    expect(bad('{"kind":"task","id":"x","title":"X","status":"open"')[0]).toMatch(/^graph\.jsonl:2: invalid JSON/);
    expect(bad('{"kind":"task","id":"x","title":7,"status":"open"}')[0]).toMatch(/^graph\.jsonl:2: task "x": title: /);
    expect(bad('{"kind":"task","id":"ok","title":"again","status":"open"}')[0]).toBe(
      'graph.jsonl:2: duplicate task id "ok" (first on line 1)',
    );
    expect(bad('{"kind":"task","id":"../etc","title":"X","status":"open"}')[0]).toMatch(
      /^graph\.jsonl:2: task "\.\.\/etc": id: invalid id/,
    );
    expect(bad('{"id":"x"}')[0]).toBe('graph.jsonl:2: missing "kind" (task, actor or resource)');
  });

  it('validates every known field with its type', () => {
    expect(recordProblem('task', { id: 'a', title: 'A', status: 'open', progress: 140 })).toMatch(/progress/);
    expect(recordProblem('task', { id: 'a', title: 'A', status: 'open', timeout: 'soon' })).toMatch(/timeout/);
    expect(recordProblem('task', { id: 'a', title: 'A', status: 'open', complexity: 'hard' })).toMatch(/complexity/);
    expect(recordProblem('actor', { id: 'a', trust_level: 'total' })).toMatch(/trust_level/);
    expect(
      recordProblem('task', { id: 'a', title: 'A', status: 'open', timeout: '1h30m', unknown: { any: 'thing' } }),
    ).toBeUndefined();
  });
});
