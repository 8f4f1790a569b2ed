import { describe, expect, it } from 'vitest';
import { readiness, singleTaskIndex } from '../../src/graph/deps.js';
import { answerQuestion, askQuestion, awaitPerson, openQuestion, recordRefusal } from '../../src/graph/questions.js';
import { hashToken } from '../../src/graph/lease.js';
import type { Caller } from '../../src/graph/transitions.js';
import { assignActor } from '../../src/runner/assign.js';
import { graphOf } from '../support/graph.js';

const agent: Caller = {
  actor: 'bot',
  now: new Date('2030-01-01T00:00:00Z'),
  credentials: { taskId: 'build', token: 'secret' },
};
const person: Caller = { actor: 'alice', now: new Date('2030-01-01T01:00:00Z') };
const claim = { attempt: 2, actor: 'bot', token_hash: hashToken('secret'), since: '2030-01-01T00:00:00Z' };

describe('questions for a person', () => {
  it('asking ends the lease and the task waits, uncounted; its dependents wait too', () => {
    const graph = graphOf([
      { id: 'build', status: 'in-progress', claim, attempts: 2, retry_count: 1 },
      { id: 'ship', blocked_by: ['build'] },
    ]);
    const task = askQuestion(graph, 'build', agent, '  Keep v1?  ');
    expect(task).toMatchObject({ status: 'waiting', retry_count: 1, claim: undefined });
    expect(task.question).toEqual({
      kind: 'question',
      text: 'Keep v1?',
      attempt: 2,
      by: 'bot',
      asked_at: '2030-01-01T00:00:00.000Z',
    });
    const ship = graph.tasks.get('ship')!;
    expect(readiness(graph, singleTaskIndex(graph, 'ship'), ship, person.now).ready).toBe(false);
  });

  it('an agent of an older attempt cannot ask', () => {
    const graph = graphOf([{ id: 'build', status: 'in-progress', claim }]);
    expect(() =>
      askQuestion(graph, 'build', { ...agent, credentials: { taskId: 'build', token: 'old' } }, 'Keep v1?'),
    ).toThrow(/stale attempt/);
    expect(graph.tasks.get('build')!.status).toBe('in-progress');
  });

  it('the answer reopens the task, widens its tools, and is kept with the question', () => {
    const graph = graphOf([{ id: 'build', status: 'in-progress', claim, tools: ['Read'] }]);
    askQuestion(graph, 'build', agent, 'May I publish?');
    const task = answerQuestion(graph, 'build', person, 'Yes.', ['Bash(npm publish:*)', 'Read']);
    expect(task).toMatchObject({ status: 'open', assigned: undefined, tools: ['Read', 'Bash(npm publish:*)'] });
    expect(task.question?.answer).toEqual({
      text: 'Yes.',
      by: 'alice',
      at: '2030-01-01T01:00:00.000Z',
      allow: ['Bash(npm publish:*)', 'Read'],
    });
    // Answered once: a second answer has nothing to answer.
    expect(() => answerQuestion(graph, 'build', person, 'No.')).toThrow('build has no open question (status open)');
  });

  it("a refusal is answerable while it is the task's last failure, and comes off the retry count", () => {
    const graph = graphOf([{ id: 'build', status: 'failed', attempts: 2, retry_count: 2 }]);
    recordRefusal(graph, 'build', agent, { request: 'Bash (npx ava)', rule: 'Bash(npx ava:*)', attempt: 2 });
    expect(openQuestion(graph.tasks.get('build')!)).toHaveProperty('question.rule', 'Bash(npx ava:*)');
    const task = answerQuestion(graph, 'build', person, 'Run it.', ['Bash(npx ava:*)']);
    expect(task).toMatchObject({ status: 'open', retry_count: 1, tools: ['Bash(npx ava:*)'] });

    // A refusal of an attempt before the last failure is no longer the question.
    const stale = graphOf([{ id: 'build', status: 'failed', attempts: 3, retry_count: 3 }]);
    recordRefusal(stale, 'build', agent, { request: 'Bash (npx ava)', attempt: 2 });
    expect(() => answerQuestion(stale, 'build', person, 'Run it.')).toThrow(
      'build has no open question (status failed)',
    );
  });

  it('a task for a person waits for them; it has nothing to answer', () => {
    const graph = graphOf([{ id: 'design' }]);
    expect(awaitPerson(graph, 'design', { actor: 'runner', now: person.now }, 'alice')).toMatchObject({
      status: 'waiting',
      assigned: 'alice',
    });
    expect(() => answerQuestion(graph, 'design', person, 'ok')).toThrow('design waits for a person but asked nothing');
  });

  it('an agent that qualifies is preferred to a person; a task only a person may do goes to them', () => {
    const graph = graphOf(
      [
        { id: 'docs', skills: ['docs'] },
        { id: 'design', skills: ['design'] },
      ],
      {
        actors: [
          { id: 'alice', actor_type: 'human', capabilities: ['docs', 'design'], trust_level: 'verified' },
          { id: 'bot', capabilities: ['docs'] },
        ],
      },
    );
    const actors = [...graph.actors.values()];
    expect(assignActor(graph, graph.tasks.get('docs')!, actors)).toHaveProperty('actor.id', 'bot');
    expect(assignActor(graph, graph.tasks.get('design')!, actors)).toHaveProperty('actor.id', 'alice');
  });
});
