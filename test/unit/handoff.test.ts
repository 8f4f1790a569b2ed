/**
 * The hand-off between tasks (issue 19, item 2), on literal values: which log entries an
 * upstream task passes on (only its latest attempt's), the summary a success records,
 * and how the prompt shows both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { claimedMessage, latestAttemptLog } from '../../src/graph/attempt-log.js';
import { upstreamOf } from '../../src/graph/context.js';
import type { Task } from '../../src/graph/schema.js';
import {
  capSummary,
  claimTask,
  completeTask,
  failTask,
  MAX_SUMMARY_CHARS,
  recordSummary,
  retryTask,
  type Caller,
} from '../../src/graph/transitions.js';
import { buildPrompt } from '../../src/prompt/build.js';
import { loadPromptTemplates } from '../../src/prompt/templates.js';
import type { PromptSources } from '../../src/prompt/types.js';
import { graphOf } from '../support/graph.js';

const entry = (message: string) => ({ timestamp: '2030-01-01T00:00:00Z', actor: 'coder', message });
const messages = (entries: Array<{ message: string }>) => entries.map((item) => item.message);

/** A log as the runner writes it when the first attempt fails its check and the retry succeeds. */
const RETRIED_LOG = [
  entry('claimed by coder (attempt 1)'),
  entry('tool Write: answer.txt'),
  entry('failed: verification failed (exit code 1): expected 42, got 41'),
  entry('reopened for retry 1 of 2 (last failure: verification failed (exit code 1): expected 42, got 41)'),
  entry('claimed by coder (attempt 2)'),
  entry('tool Write: answer.txt'),
  entry('artifact answer.txt'),
  entry('done'),
];

describe('latestAttemptLog', () => {
  it("keeps only the entries after the last claim: the succeeding attempt's own", () => {
    expect(messages(latestAttemptLog(RETRIED_LOG))).toEqual(['tool Write: answer.txt', 'artifact answer.txt', 'done']);
  });

  it('returns a log without any claim whole (a task done by hand)', () => {
    expect(messages(latestAttemptLog([entry('created'), entry('done')]))).toEqual(['created', 'done']);
    expect(latestAttemptLog([])).toEqual([]);
  });

  it('reads claims as claimTask words them, and nothing that only resembles one', () => {
    expect(claimedMessage('coder', 12)).toBe('claimed by coder (attempt 12)');
    const log = [
      entry('claimed by coder (attempt 1)'),
      entry('note: claimed by coder (attempt 9) was a typo'),
      entry('done'),
    ];
    expect(messages(latestAttemptLog(log))).toEqual(['note: claimed by coder (attempt 9) was a typo', 'done']);
  });
});

describe('upstreamOf', () => {
  it("hands on the summary and the latest entries of the attempt that succeeded, never an earlier attempt's failure", () => {
    const graph = graphOf([
      { id: 'answer', status: 'done', summary: 'Wrote 42 to answer.txt.', log: RETRIED_LOG },
      { id: 'report', blocked_by: ['answer'] },
    ]);
    const [answer] = upstreamOf(graph, graph.tasks.get('report')!);
    expect(answer).toMatchObject({ id: 'answer', summary: 'Wrote 42 to answer.txt.' });
    expect(messages(answer!.log)).toEqual(['tool Write: answer.txt', 'artifact answer.txt', 'done']);
    // Two entries asked for: the last two of that attempt, still none of the first.
    expect(messages(upstreamOf(graph, graph.tasks.get('report')!, undefined, 2)[0]!.log)).toEqual([
      'artifact answer.txt',
      'done',
    ]);
  });
});

describe('the summary a success records', () => {
  const by: Caller = { actor: 'coder', now: new Date('2030-01-01T00:00:00Z') };
  const claimed = () => {
    const graph = graphOf([{ id: 't' }]);
    claimTask(graph, 't', by, { tokenHash: 'h' });
    return graph;
  };
  const force: Caller = { ...by, force: true };

  it('is set by completeTask, trimmed, and cleared by a success without one', () => {
    const graph = claimed();
    expect(completeTask(graph, 't', force, '  Built it.\n').summary).toBe('Built it.');
    const again = graphOf([{ id: 't', status: 'open', summary: 'an older success' }]);
    claimTask(again, 't', by, { tokenHash: 'h' });
    expect(completeTask(again, 't', force).summary).toBeUndefined();
  });

  it('is not touched by a failure, and replaced by the next success', () => {
    const graph = graphOf([{ id: 't', status: 'open', summary: 'an older success' }]);
    claimTask(graph, 't', by, { tokenHash: 'h' });
    expect(failTask(graph, 't', force, 'broke').summary).toBe('an older success');
    retryTask(graph, 't', force, 2);
    claimTask(graph, 't', by, { tokenHash: 'h' });
    expect(completeTask(graph, 't', force, 'Fixed it.').summary).toBe('Fixed it.');
  });

  it('is cut at MAX_SUMMARY_CHARS, saying so', () => {
    const long = 'x'.repeat(MAX_SUMMARY_CHARS + 10);
    const cut = capSummary(long);
    expect(cut).toHaveLength(MAX_SUMMARY_CHARS);
    expect(cut.endsWith(' … (cut to 4,000 characters)')).toBe(true);
    expect(capSummary('short')).toBe('short');
  });

  it('recordSummary sets it only on a done task (one its agent marked done itself)', () => {
    const graph = graphOf([{ id: 'd', status: 'done' }, { id: 'o' }]);
    expect(recordSummary(graph, 'd', 'Did it.').summary).toBe('Did it.');
    expect(() => recordSummary(graph, 'o', 'Did it.')).toThrow('o is open: only a done task has a summary');
  });
});

describe('the prompt of a downstream task', () => {
  const emptyWorkgraph = mkdtempSync(join(tmpdir(), 'wg-handoff-'));
  afterAll(() => rmSync(emptyWorkgraph, { recursive: true, force: true }));
  const templates = loadPromptTemplates(emptyWorkgraph);
  const task: Task = { id: 'report', title: 'Report', status: 'in-progress', description: 'Report the answer.' };
  const sources = (
    upstream: PromptSources['upstream'],
    previousStep?: PromptSources['upstream'][number],
  ): PromptSources => ({
    task,
    inputs: [],
    upstream,
    previousStep,
    files: {},
    workdir: '/p',
    root: '/p',
    permissions: [],
  });
  const answer = {
    id: 'answer',
    title: 'Answer',
    status: 'done' as const,
    artifacts: [],
    deliverables: [],
    summary: 'Wrote 42 to answer.txt.\nThe check passes.',
    log: [entry('done')],
  };

  it("shows each dependency's summary, fenced, before its artifacts and log", () => {
    const text = buildPrompt(sources([answer]), templates, 10_000).text;
    expect(text).toContain(
      [
        '### `answer`: Answer (done)',
        "Its agent's summary of the work:",
        '```\nWrote 42 to answer.txt.\nThe check passes.\n```',
        'No artifacts registered.',
        'Latest log entries:\n\n- 2030-01-01T00:00:00Z coder: done',
      ].join('\n\n'),
    );
  });

  it('shows the previous trajectory step with its summary too, and a dependency without one as before', () => {
    const text = buildPrompt(
      sources([{ ...answer, summary: undefined }], { ...answer, summary: 'Step one done.' }),
      templates,
      10_000,
    ).text;
    expect(text).toContain(
      "### Previous step of your trajectory: `answer`: Answer (done)\n\nIts agent's summary of the work:\n\n```\nStep one done.\n```",
    );
    const without = buildPrompt(sources([{ ...answer, summary: undefined }]), templates, 10_000).text;
    expect(without).toContain('### `answer`: Answer (done)\n\nNo artifacts registered.');
    expect(without).not.toContain('summary of the work');
  });
});
