import { describe, expect, it } from 'vitest';
import { AlreadyClaimedError, InvalidInputError, NotReadyError, TransitionError } from '../../src/errors.js';
import { dependencyIndex, readiness } from '../../src/graph/deps.js';
import { estimatePromptTokens } from '../../src/graph/estimate.js';
import type { Graph } from '../../src/graph/model.js';
import type { Actor } from '../../src/graph/schema.js';
import { claimTask, completeTask } from '../../src/graph/transitions.js';
import { planTrajectory, trajectoryForActor } from '../../src/graph/trajectory.js';
import { releaseReservations, reserveTrajectory } from '../../src/graph/trajectory-reserve.js';
import { graphOf } from '../support/graph.js';

const NOW = new Date('2030-01-01T00:00:00Z');

const ids = (graph: Graph, start: string, options: Partial<Parameters<typeof planTrajectory>[2]> = {}) =>
  planTrajectory(graph, start, { now: NOW, ...options }).steps.map((step) => step.id);

const reservation = (actor: string, trajectory: string) => ({
  attempt: 1,
  actor,
  token_hash: 'sha256:x',
  since: '2030-01-01T00:00:00Z',
  trajectory,
});

describe('planTrajectory', () => {
  // design -> build (consumes api.md) -> docs (consumes the binary); review shares only a tag; unrelated shares nothing.
  const pipeline = () =>
    graphOf([
      { id: 'design', deliverables: ['api.md'], tags: ['api'] },
      { id: 'build', blocked_by: ['design'], inputs: ['./api.md'], deliverables: ['bin/server'] },
      { id: 'docs', blocked_by: ['build'], inputs: ['bin/server'], tags: ['api'] },
      { id: 'review', blocked_by: ['design'], tags: ['api'] },
      { id: 'unrelated', tags: ['ops'] },
    ]);

  it("counts the runner's successes whose verdict is still being written as done (assumeDone)", () => {
    const graph = pipeline();
    graph.tasks.set('design', { ...graph.tasks.get('design')!, status: 'in-progress' });
    expect(() => ids(graph, 'build')).toThrow(NotReadyError);
    expect(ids(graph, 'build', { assumeDone: new Set(['design']) })).toEqual(['build', 'docs', 'review']);
    // Later steps may wait on such a task too.
    graph.tasks.set('docs', { ...graph.tasks.get('docs')!, blocked_by: ['build', 'design'] });
    expect(ids(graph, 'build', { assumeDone: new Set(['design']) })).toEqual(['build', 'docs', 'review']);
  });

  it('follows what each step consumes from the chain, with receives, produces and scores', () => {
    const trajectory = planTrajectory(pipeline(), 'design', { now: NOW });
    expect(trajectory.steps.map((step) => [step.id, step.score])).toEqual([
      ['design', 0],
      ['build', 3],
      ['docs', 4],
      ['review', 1],
    ]);
    expect(trajectory.steps[1]).toMatchObject({
      receives: ['./api.md (from design)'],
      produces: ['bin/server'],
      shares: ['input ./api.md from design (+3)'],
    });
    expect(trajectory.steps[2]!.shares).toEqual(['input bin/server from build (+3)', 'tag api, as design (+1)']);
    expect(trajectory.stoppedBecause).toBe('no-coherent-next-step');
    const graph = pipeline();
    const index = dependencyIndex(graph);
    expect(trajectory.totalTokens).toBe(
      ['design', 'build', 'docs', 'review'].reduce(
        (sum, id) => sum + estimatePromptTokens(graph, graph.tasks.get(id)!, index),
        0,
      ),
    );
  });

  it('says what the first step receives from its finished upstream', () => {
    const graph = graphOf([
      { id: 'spec', status: 'done', artifacts: ['spec.md'] },
      { id: 'impl', blocked_by: ['spec'], inputs: ['spec.md', 'nowhere.md'] },
    ]);
    expect(planTrajectory(graph, 'impl', { now: NOW }).steps[0]!.receives).toEqual(['spec.md (from spec)']);
  });

  it('never takes a task blocked by something outside the chain that is not finished', () => {
    const graph = graphOf([
      { id: 'a', deliverables: ['x'] },
      { id: 'gate' },
      { id: 'b', blocked_by: ['a', 'gate'], inputs: ['x'] },
      { id: 'c', blocked_by: ['a'] },
    ]);
    expect(ids(graph, 'a')).toEqual(['a']);
    graph.tasks.set('gate', { ...graph.tasks.get('gate')!, status: 'abandoned' });
    expect(ids(graph, 'a')).toEqual(['a', 'b']);
  });

  it('prefers the highest score, then the lowest id', () => {
    const graph = graphOf([
      { id: 'start', skills: ['ts'], context_files: ['src/core.ts'], tags: ['api'] },
      { id: 'b-skill', skills: ['TS'] },
      { id: 'a-tag', tags: ['api'] },
      { id: 'z-file', context_files: ['./src/core.ts'] },
    ]);
    expect(ids(graph, 'start', { maxSteps: 2 })).toEqual(['start', 'z-file']);
    graph.tasks.delete('z-file');
    // a-tag and b-skill both score 1: the lower id wins, then the other one still shares context.
    expect(ids(graph, 'start')).toEqual(['start', 'a-tag', 'b-skill']);
  });

  it('stops at --max-steps and rejects a count below 1', () => {
    const trajectory = planTrajectory(pipeline(), 'design', { now: NOW, maxSteps: 2 });
    expect(trajectory.steps.map((step) => step.id)).toEqual(['design', 'build']);
    expect(trajectory.stoppedBecause).toBe('max-steps');
    expect(() => planTrajectory(pipeline(), 'design', { now: NOW, maxSteps: 0 })).toThrow(InvalidInputError);
  });

  it("stops before the chain's estimated total reaches the actor's context limit, else the given limit", () => {
    const graph = pipeline();
    const tokens = (id: string) => estimatePromptTokens(graph, graph.tasks.get(id)!);
    const twoSteps = tokens('design') + tokens('build');
    const actor: Actor = { id: 'bot', context_limit: twoSteps + 1 };
    const trajectory = planTrajectory(graph, 'design', { now: NOW, actor, contextLimit: 10 * twoSteps });
    expect(trajectory.steps.map((step) => step.id)).toEqual(['design', 'build']);
    expect(trajectory).toMatchObject({
      stoppedBecause: 'context-limit',
      totalTokens: twoSteps,
      contextLimit: twoSteps + 1,
    });
    // Exactly the total is not below the limit: build no longer fits.
    expect(planTrajectory(graph, 'design', { now: NOW, contextLimit: twoSteps }).steps).toHaveLength(1);
    expect(planTrajectory(graph, 'design', { now: NOW, contextLimit: twoSteps + 1 }).steps).toHaveLength(2);
  });

  it('skips steps the actor may not take, and refuses a start it may not take', () => {
    const graph = graphOf([
      { id: 'start', tags: ['web'] },
      { id: 'a-rust', tags: ['web'], skills: ['rust'] },
      { id: 'b-hard', tags: ['web'], complexity: 'complex' },
      { id: 'c-ok', tags: ['web'] },
    ]);
    const actor: Actor = { id: 'py', capabilities: ['python'] };
    expect(ids(graph, 'start', { actor })).toEqual(['start', 'c-ok']);
    expect(ids(graph, 'start')).toEqual(['start', 'a-rust', 'b-hard', 'c-ok']);
    expect(() => planTrajectory(graph, 'a-rust', { now: NOW, actor })).toThrow(
      /^py may not take a-rust: missing skill rust$/,
    );
  });

  it("skips steps reserved for someone else but not the actor's own reservations", () => {
    const graph = graphOf([
      { id: 'start', tags: ['web'] },
      { id: 'a-theirs', tags: ['web'], claim: reservation('other', 'x') },
      { id: 'b-mine', tags: ['web'], claim: reservation('me', 'y') },
    ]);
    expect(ids(graph, 'start', { actor: { id: 'me' } })).toEqual(['start', 'b-mine']);
    expect(ids(graph, 'start', { actor: { id: 'other' } })).toEqual(['start', 'a-theirs']);
    expect(ids(graph, 'start')).toEqual(['start']);
  });

  it('refuses a start that is not ready, with the reasons', () => {
    const graph = graphOf([
      { id: 'first' },
      { id: 'second', blocked_by: ['first'] },
      { id: 'held', claim: reservation('other', 'first') },
    ]);
    expect(() => planTrajectory(graph, 'second', { now: NOW })).toThrow(NotReadyError);
    expect(() => planTrajectory(graph, 'second', { now: NOW })).toThrow(
      'cannot start a trajectory at second: blocked by first (open)',
    );
    expect(() => planTrajectory(graph, 'held', { now: NOW, actor: { id: 'me' } })).toThrow(/reserved by other/);
    expect(ids(graph, 'held', { actor: { id: 'other' } })).toEqual(['held']);
  });

  it('trajectoryForActor starts at the best ready task for the actor', () => {
    const graph = graphOf([
      { id: 'a', tags: ['x'] },
      { id: 'b', prefers_skills: ['go'], tags: ['x'] },
    ]);
    const trajectory = trajectoryForActor(graph, { id: 'gopher', capabilities: ['go'] }, { now: NOW });
    expect(trajectory.steps.map((step) => step.id)).toEqual(['b', 'a']);
    expect(trajectory.actor).toBe('gopher');
    expect(() => trajectoryForActor(graphOf([{ id: 'r', skills: ['rust'] }]), { id: 'gopher' }, { now: NOW })).toThrow(
      /^nothing ready for gopher: 1 ready task, but gopher lacks skill rust$/,
    );
  });
});

describe('reserveTrajectory', () => {
  const by = (actor: string) => ({ actor, now: NOW });
  const chainGraph = () =>
    graphOf([
      { id: 'one', deliverables: ['a'] },
      { id: 'two', blocked_by: ['one'], inputs: ['a'], deliverables: ['b'], attempts: 2 },
      { id: 'three', blocked_by: ['two'], inputs: ['b'] },
    ]);

  it('claims the first step and reserves the rest for the caller only', () => {
    const graph = chainGraph();
    const trajectory = planTrajectory(graph, 'one', { now: NOW });
    const { head, reserved } = reserveTrajectory(graph, trajectory, by('me'), {
      tokenHash: 'sha256:t',
      process: { pid: 42, host: 'h' },
    });
    expect(head).toMatchObject({
      status: 'in-progress',
      assigned: 'me',
      claim: { actor: 'me', token_hash: 'sha256:t', attempt: 1 },
    });
    expect(head.claim!.trajectory).toBeUndefined();
    expect(reserved.map((task) => task.id)).toEqual(['two', 'three']);
    expect(graph.tasks.get('two')).toMatchObject({
      status: 'open',
      claim: {
        attempt: 3,
        actor: 'me',
        token_hash: 'reserved',
        since: NOW.toISOString(),
        trajectory: 'one',
        pid: 42,
        host: 'h',
      },
    });
    expect(graph.tasks.get('two')!.log!.at(-1)!.message).toBe('reserved by me: step 2 of 3 of trajectory one');

    completeTask(graph, 'one', by('me'));
    const index = dependencyIndex(graph);
    expect(readiness(graph, index, graph.tasks.get('two')!, NOW)).toEqual({
      ready: false,
      reasons: ['reserved by me for trajectory one'],
    });
    expect(() => claimTask(graph, 'two', by('other'), { tokenHash: 'sha256:o' })).toThrow(AlreadyClaimedError);
    expect(claimTask(graph, 'two', by('me'), { tokenHash: 'sha256:n' })).toMatchObject({
      status: 'in-progress',
      claim: { attempt: 3, token_hash: 'sha256:n' },
    });
  });

  it('changes nothing when a later step was reserved by someone else meanwhile', () => {
    const graph = chainGraph();
    const trajectory = planTrajectory(graph, 'one', { now: NOW });
    graph.tasks.set('three', { ...graph.tasks.get('three')!, claim: reservation('other', 'elsewhere') });
    const before = new Map(graph.tasks);
    expect(() => reserveTrajectory(graph, trajectory, by('me'), { tokenHash: 'sha256:t' })).toThrow(
      /^trajectory step three is reserved by other for trajectory elsewhere/,
    );
    expect(() => reserveTrajectory(graph, trajectory, by('me'), { tokenHash: 'sha256:t' })).toThrow(
      AlreadyClaimedError,
    );
    for (const [id, task] of graph.tasks) expect(task, id).toBe(before.get(id));
  });

  it('changes nothing when the first step was claimed meanwhile, or a step is no longer runnable', () => {
    const graph = chainGraph();
    const trajectory = planTrajectory(graph, 'one', { now: NOW });
    const claimedHead = graphOf([...graph.tasks.values()]);
    claimTask(claimedHead, 'one', by('other'), { tokenHash: 'sha256:o' });
    const before = new Map(claimedHead.tasks);
    expect(() => reserveTrajectory(claimedHead, trajectory, by('me'), { tokenHash: 'sha256:t' })).toThrow(
      /^already claimed by other/,
    );
    for (const [id, task] of claimedHead.tasks) expect(task, id).toBe(before.get(id));

    graph.tasks.set('three', { ...graph.tasks.get('three')!, blocked_by: ['two', 'late'] });
    graph.tasks.set('late', { id: 'late', title: 'late', status: 'open' });
    const unchanged = new Map(graph.tasks);
    expect(() => reserveTrajectory(graph, trajectory, by('me'), { tokenHash: 'sha256:t' })).toThrow(
      'trajectory step three waits for late, which is neither finished nor an earlier step',
    );
    for (const [id, task] of graph.tasks) expect(task, id).toBe(unchanged.get(id));
  });

  it('releaseReservations clears what is left, only for the reserving actor unless forced', () => {
    const graph = chainGraph();
    reserveTrajectory(graph, planTrajectory(graph, 'one', { now: NOW }), by('me'), { tokenHash: 'sha256:t' });
    expect(() => releaseReservations(graph, 'one', by('other'))).toThrow(TransitionError);
    expect(graph.tasks.get('two')!.claim).toBeDefined();
    expect(releaseReservations(graph, 'one', by('me')).map((task) => task.id)).toEqual(['two', 'three']);
    expect(graph.tasks.get('one')!.claim).toBeDefined();
    for (const id of ['two', 'three']) {
      expect(graph.tasks.get(id)!.claim).toBeUndefined();
      expect(graph.tasks.get(id)!.log!.at(-1)!.message).toBe('reservation for trajectory one released');
    }
    expect(releaseReservations(graph, 'one', by('me'))).toEqual([]);

    const other = chainGraph();
    reserveTrajectory(other, planTrajectory(other, 'one', { now: NOW }), by('me'), { tokenHash: 'sha256:t' });
    expect(releaseReservations(other, 'one', { ...by('admin'), force: true })).toHaveLength(2);
  });
});
