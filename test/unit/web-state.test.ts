/** The page's pure parts (web/state.ts, web/format.ts), without a browser. */
import { describe, expect, it } from 'vitest';
import { TASK_STATUSES } from '../../src/graph/types.js';
import type { GraphEvent, Header, TaskView } from '../../src/serve/api-types.js';
import { eventLine, STATUSES } from '../../web/format.js';
import { applyEvent, EMPTY, fromGraph } from '../../web/state.js';

function task(id: string, fields: Partial<TaskView> = {}): TaskView {
  return {
    id,
    title: `Task ${id}`,
    status: 'open',
    display: 'open',
    assigned: null,
    tags: [],
    blocked_by: [],
    attempts: 0,
    cost_usd: 0,
    progress: null,
    log_count: 0,
    last_log: null,
    updated: null,
    ...fields,
  };
}

const header: Header = {
  counts: { open: 2 },
  total: 2,
  spent_usd: 0,
  budget_usd: null,
  rate_limit_pauses: 0,
  last_pause: null,
  runs: [],
  paused: [],
  started_at: null,
  ended_at: null,
  running: 0,
};

const graph = { tasks: [task('a'), task('b', { blocked_by: ['a'] })], critical_path: ['a', 'b'], header };

function patch(fields: Partial<Extract<GraphEvent, { full: false }>>): GraphEvent {
  return { version: 2, full: false, changed: [], removed: [], critical_path: ['a', 'b'], header, ...fields };
}

describe('the page state', () => {
  it('holds the whole graph in the server order', () => {
    const state = fromGraph(graph);
    expect(state.order).toEqual(['a', 'b']);
    expect(state.tasks.get('b')?.blocked_by).toEqual(['a']);
    expect([...state.critical]).toEqual(['a', 'b']);
    expect(state.header).toBe(header);
    expect(EMPTY.tasks.size).toBe(0);
  });

  it('replaces a changed task and keeps every part that did not change, so views patch by identity', () => {
    const before = fromGraph(graph);
    const done = task('a', { status: 'done', display: 'done' });
    const after = applyEvent(before, patch({ changed: [done], header: { ...header, counts: { done: 1, open: 1 } } }));
    expect(after.tasks.get('a')).toBe(done);
    expect(after.tasks.get('b')).toBe(before.tasks.get('b'));
    expect(after.order).toBe(before.order);
    expect(after.critical).toBe(before.critical);
    expect(after.header?.counts).toEqual({ done: 1, open: 1 });
    // The state it came from is left as it was.
    expect(before.tasks.get('a')?.status).toBe('open');
  });

  it('gives a moved critical path a new set, and a header-only change the same tasks', () => {
    const before = fromGraph(graph);
    const moved = applyEvent(before, patch({ critical_path: ['b'] }));
    expect(moved.critical).not.toBe(before.critical);
    expect([...moved.critical]).toEqual(['b']);
    expect(moved.tasks).toBe(before.tasks);
  });

  it('starts again from a full event, with a new order', () => {
    const before = fromGraph(graph);
    const after = applyEvent(before, {
      version: 3,
      full: true,
      tasks: [task('a'), task('b'), task('c')],
      critical_path: ['c'],
      header,
    });
    expect(after.order).toEqual(['a', 'b', 'c']);
    expect(after.order).not.toBe(before.order);
    expect([...after.critical]).toEqual(['c']);
  });

  it('drops a removed task from the tasks and the order', () => {
    const after = applyEvent(fromGraph(graph), patch({ removed: ['b'], critical_path: ['a'] }));
    expect(after.order).toEqual(['a']);
    expect(after.tasks.has('b')).toBe(false);
  });

  it('takes changes that arrive before the first load', () => {
    const after = applyEvent(EMPTY, patch({ changed: [task('a')] }));
    expect(after.tasks.has('a')).toBe(true);
    // No order yet: the first load brings it, and with it the list and the drawing.
    expect(after.order).toBe(EMPTY.order);
  });
});

describe('what the page writes', () => {
  it('counts every status wg knows, each once', () => {
    expect([...STATUSES].sort()).toEqual([...TASK_STATUSES].sort());
  });

  it("writes an agent event on one line, with the runner's time", () => {
    const at = '2026-01-02T03:04:05.678Z';
    expect(eventLine({ at, type: 'progress', percent: 50, message: 'half\nway' })).toBe('03:04:05 progress 50% half');
    expect(eventLine({ at, type: 'tool', name: 'bash', summary: 'ls', isError: true })).toBe(
      '03:04:05 tool bash: ls (error)',
    );
    expect(eventLine({ at, type: 'text', text: 'hello' })).toBe('03:04:05 says: hello');
    expect(eventLine({ at, type: 'result', ok: false, reason: 'tests fail' })).toBe(
      '03:04:05 result: failed: tests fail',
    );
    expect(eventLine({ at, type: 'halt', kind: 'input-required', request: 'a password' })).toBe(
      '03:04:05 halted (input-required): a password',
    );
    expect(eventLine({ at, type: 'usage', costUsd: 0.004 })).toBe('03:04:05 usage: $0.0040');
    expect(eventLine({ at, type: 'usage', inputTokens: 10 })).toBeUndefined();
    expect(eventLine({ at, type: 'summary', text: 'did it' })).toBeUndefined();
    expect(eventLine({ type: 'text', text: 'x'.repeat(400) })).toBe(` says: ${'x'.repeat(300)}`);
  });
});
