import { describe, expect, it } from 'vitest';
import {
  estimatePrompt,
  estimatePromptTokens,
  FILE_ALLOWANCE_TOKENS,
  PROMPT_OVERHEAD_TOKENS,
} from '../../src/graph/estimate.js';
import { nextTaskFor, rankActors, scoreActor } from '../../src/graph/matching.js';
import type { Graph } from '../../src/graph/model.js';
import type { Actor } from '../../src/graph/schema.js';
import { graphOf } from '../support/graph.js';

const NOW = new Date('2030-01-01T00:00:00Z');

const task = (graph: Graph, id: string) => graph.tasks.get(id)!;

describe('estimatePromptTokens', () => {
  it('is the fixed overhead plus a quarter of the task text, rounded up', () => {
    const graph = graphOf([{ id: 't', title: 'abcd', description: 'efghi' }]);
    expect(estimatePromptTokens(graph, task(graph, 't'))).toBe(PROMPT_OVERHEAD_TOKENS + 3);
  });

  it('adds an allowance per distinct upstream artifact and context file, and only the last log messages', () => {
    const old = 'x'.repeat(4000);
    const graph = graphOf([
      {
        id: 'a',
        title: 'aaaa',
        artifacts: ['f.md'],
        log: [
          { timestamp: '2030-01-01T00:00:00Z', message: old },
          ...['1234', '1234', '1234'].map((message) => ({ timestamp: '2030-01-01T00:00:00Z', message })),
        ],
      },
      { id: 'b', title: 'bbbb', artifacts: ['./f.md', 'g.md'] },
      { id: 't', title: 'tttt', blocked_by: ['a', 'b'], context_files: ['g.md', 'h.md'] },
    ]);
    const estimate = estimatePrompt(graph, task(graph, 't'));
    // f.md (named twice), g.md (artifact and context file) and h.md: three files, not five.
    expect(estimate.fileCount).toBe(3);
    expect(estimate.files).toBe(3 * FILE_ALLOWANCE_TOKENS);
    // The 4000-character old message is not passed on; titles, paths and three messages are.
    expect(estimate.upstream).toBe(
      Math.ceil(('aaaa' + 'f.md' + '123412341234' + 'bbbb' + './f.md' + 'g.md').length / 4),
    );
    expect(estimate.total).toBe(PROMPT_OVERHEAD_TOKENS + 1 + estimate.upstream + estimate.files);
  });
});

describe('scoreActor', () => {
  const graph = graphOf([
    { id: 'rusty', skills: ['rust'], prefers_skills: ['sql', 'docs'] },
    { id: 'hard', complexity: 'complex' },
    { id: 'mine', assigned: 'bob' },
  ]);
  const estimate = estimatePromptTokens(graph, task(graph, 'rusty'));

  it('excludes an actor missing a required skill, and matches skills case-insensitively', () => {
    const without = scoreActor(graph, task(graph, 'rusty'), { id: 'py', capabilities: ['python'] });
    expect(without).toMatchObject({ eligible: false, reasons: ['missing skill rust'] });
    expect(scoreActor(graph, task(graph, 'rusty'), { id: 'r', capabilities: [' Rust'] }).eligible).toBe(true);
  });

  it('adds points for preferred skills and trust, and a point for context to spare', () => {
    const base = scoreActor(graph, task(graph, 'rusty'), { id: 'r', capabilities: ['rust'] });
    const better = scoreActor(graph, task(graph, 'rusty'), {
      id: 'r',
      capabilities: ['rust', 'sql'],
      trust_level: 'verified',
      context_limit: 2 * estimate,
    });
    const provisional = scoreActor(graph, task(graph, 'rusty'), {
      id: 'r',
      capabilities: ['rust'],
      trust_level: 'provisional',
      context_limit: estimate + 1,
    });
    expect(base).toMatchObject({ eligible: true, score: 0 });
    expect(better).toMatchObject({ eligible: true, score: 10 + 5 + 1 });
    expect(provisional).toMatchObject({ eligible: true, score: 2 });
    expect(better.reasons).toContain('preferred skill sql (+10)');
    expect(better.reasons).toContain('lacks preferred skill docs');
  });

  it('requires a verified actor for a complex task, whatever its type', () => {
    expect(scoreActor(graph, task(graph, 'hard'), { id: 'p', trust_level: 'provisional' })).toMatchObject({
      eligible: false,
      reasons: ['complex task needs a verified actor (trust: provisional)'],
    });
    expect(
      scoreActor(graph, task(graph, 'hard'), { id: 'h', actor_type: 'human', trust_level: 'verified' }).eligible,
    ).toBe(true);
  });

  it('requires a context limit larger than the estimated prompt', () => {
    expect(
      scoreActor(graph, task(graph, 'rusty'), { id: 'r', capabilities: ['rust'], context_limit: estimate }),
    ).toMatchObject({
      eligible: false,
      reasons: [`context limit ${estimate} = estimated prompt ${estimate} tokens`],
    });
    expect(
      scoreActor(graph, task(graph, 'rusty'), { id: 'r', capabilities: ['rust'], context_limit: 800 }).reasons,
    ).toEqual([`context limit 800 < estimated prompt ${estimate} tokens`]);
  });

  it('keeps every reason, and excludes everyone but the assignee of an assigned task', () => {
    const result = scoreActor(graph, task(graph, 'rusty'), { id: 'x', context_limit: 10 });
    expect(result.reasons).toEqual(['missing skill rust', `context limit 10 < estimated prompt ${estimate} tokens`]);
    expect(scoreActor(graph, task(graph, 'mine'), { id: 'alice' }).reasons).toEqual(['assigned to bob']);
    expect(scoreActor(graph, task(graph, 'mine'), { id: 'bob' }).eligible).toBe(true);
  });
});

describe('rankActors', () => {
  it('puts eligible actors first by score, ties by id, then the excluded ones', () => {
    const graph = graphOf([{ id: 't', skills: ['rust'], prefers_skills: ['sql'] }], {
      actors: [
        { id: 'zed', capabilities: ['rust'], trust_level: 'verified' },
        { id: 'nope', capabilities: ['go'] },
        { id: 'best', capabilities: ['rust', 'sql'] },
        { id: 'amy', capabilities: ['rust'], trust_level: 'verified' },
      ],
    });
    const ranked = rankActors(graph, task(graph, 't'));
    expect(ranked.map((entry) => [entry.actor.id, entry.match.eligible])).toEqual([
      ['best', true],
      ['amy', true],
      ['zed', true],
      ['nope', false],
    ]);
  });
});

describe('nextTaskFor', () => {
  const agent: Actor = { id: 'agent', capabilities: ['rust', 'sql'], trust_level: 'verified' };

  it('picks the highest score, then the task that unblocks more, then the lowest id', () => {
    const graph = graphOf([
      { id: 'b-leaf' },
      { id: 'a-leaf' },
      { id: 'root' },
      { id: 'child', blocked_by: ['root'] },
      { id: 'grandchild', blocked_by: ['child'] },
    ]);
    expect(nextTaskFor(graph, agent, NOW).candidates.map((c) => [c.task.id, c.unblocks])).toEqual([
      ['root', 2],
      ['a-leaf', 0],
      ['b-leaf', 0],
    ]);
    // Finished dependents wait for nothing, so they do not count as unblocked.
    graph.tasks.set('other-child', { id: 'other-child', title: 'x', status: 'abandoned', blocked_by: ['a-leaf'] });
    expect(nextTaskFor(graph, agent, NOW).candidates.find((c) => c.task.id === 'a-leaf')?.unblocks).toBe(0);
    graph.tasks.set('b-leaf', { ...task(graph, 'b-leaf'), prefers_skills: ['sql'] });
    expect(nextTaskFor(graph, agent, NOW).suggestion?.task.id).toBe('b-leaf');
  });

  it('skips tasks that are blocked, not open, or reserved by a trajectory for someone else', () => {
    const claim = {
      attempt: 1,
      actor: 'other',
      token_hash: 'sha256:x',
      since: '2030-01-01T00:00:00Z',
      trajectory: 'tr-1',
    };
    const graph = graphOf([
      { id: 'blocked', blocked_by: ['busy'] },
      { id: 'busy', status: 'in-progress' },
      { id: 'reserved', claim },
      { id: 'free' },
    ]);
    const next = nextTaskFor(graph, agent, NOW);
    expect(next.readyCount).toBe(1);
    expect(next.suggestion?.task.id).toBe('free');
  });

  it('offers the actor the steps of its own trajectory once they can start, and only those', () => {
    const reservation = (actor: string) => ({
      attempt: 1,
      actor,
      token_hash: 'reserved',
      since: '2030-01-01T00:00:00Z',
      trajectory: 'design',
    });
    const graph = graphOf([
      { id: 'design', status: 'done' },
      { id: 'build', blocked_by: ['design'], claim: reservation('agent') },
      { id: 'docs', blocked_by: ['build'], claim: reservation('agent') },
      { id: 'theirs', claim: reservation('other') },
    ]);
    const next = nextTaskFor(graph, agent, NOW);
    expect(next.candidates.map((candidate) => candidate.task.id)).toEqual(['build']);
    expect(next.suggestion?.reasons[0]).toBe('reserved for agent by trajectory design');
    expect(nextTaskFor(graph, { ...agent, id: 'other' }, NOW).candidates.map((candidate) => candidate.task.id)).toEqual(
      ['theirs'],
    );
    // While the actor holds a step (a runner walking the trajectory for it), the next step is not offered.
    graph.tasks.set('design', {
      ...task(graph, 'design'),
      status: 'in-progress',
      claim: { attempt: 1, actor: 'agent', token_hash: 'sha256:x', since: '2030-01-01T00:00:00Z' },
    });
    graph.tasks.set('build', { ...task(graph, 'build'), blocked_by: [] });
    expect(nextTaskFor(graph, agent, NOW).candidates.map((candidate) => candidate.task.id)).toEqual([]);
  });

  it('says why nothing fits: how many are ready and which skills the actor lacks', () => {
    const graph = graphOf([
      { id: 'go', skills: ['go'] },
      { id: 'ml', skills: ['ml', 'go'] },
      { id: 'later', blocked_by: ['go'] },
    ]);
    const next = nextTaskFor(graph, agent, NOW);
    expect(next.suggestion).toBeUndefined();
    expect(next.whyNothing).toBe('2 ready tasks, but agent lacks skills go, ml');
    expect(next.rejected.map((r) => r.id)).toEqual(['go', 'ml']);
    const none = nextTaskFor(graphOf([{ id: 'later', blocked_by: ['missing'] }]), agent, NOW);
    expect(none.whyNothing).toMatch(/^no task is ready \(1 open task waiting/);
  });
});
