/**
 * A person in the loop, pure: an agent asks (`wg ask`, or its program's own ask-the-user
 * tool) and its task waits; a person answers (`wg answer`) and the task reopens, its next
 * prompt carrying the question and the answer. A task for a human actor waits the same way
 * until the person marks it done. Waiting is never a failure: no retry is counted.
 */
import { InvalidInputError, TransitionError } from '../errors.js';
import { getTask, type Graph } from './model.js';
import type { Question, Task } from './schema.js';
import { entry, leaseEntries, put, withLog, type Caller } from './transitions.js';

/** A question is read by a person and copied into the next prompt: a paragraph, not a document. */
export const MAX_QUESTION_CHARS = 4_000;

function questionText(text: string, what: string): string {
  const trimmed = text.trim();
  if (trimmed === '') throw new InvalidInputError(`the ${what} is empty`);
  if (trimmed.length > MAX_QUESTION_CHARS)
    throw new InvalidInputError(`the ${what} is longer than ${MAX_QUESTION_CHARS.toLocaleString('en')} characters`);
  return trimmed;
}

/**
 * End the running attempt with a question for a person: the lease ends, the task waits
 * (status `waiting`) with the question on it, and no retry is counted. The agent runs
 * this itself (`wg ask`, through its lease), or the runner does when the agent program
 * asked in its own way (Claude Code's AskUserQuestion, a login it needs).
 */
export function askQuestion(graph: Graph, id: string, by: Caller, text: string): Task {
  const task = getTask(graph, id);
  const question = questionText(text, 'question');
  if (task.status !== 'in-progress')
    throw new TransitionError(
      `${id} is ${task.status}: only a task being worked on can ask`,
      'a person with a question writes it in the description (`wg edit ID -d ...`)',
    );
  const forced = leaseEntries(task, by);
  const asked: Question = {
    kind: 'question',
    text: question,
    ...(task.claim ? { attempt: task.claim.attempt } : {}),
    // The actor whose attempt asks (an agent's process runs as whoever started it).
    by: task.claim?.actor ?? by.actor,
    asked_at: by.now.toISOString(),
  };
  return put(
    graph,
    withLog(
      { ...task, status: 'waiting', claim: undefined, question: asked },
      ...forced,
      entry(by, `asked: ${question}\n(waits for \`wg answer ${id} "..."\`)`),
    ),
  );
}

/**
 * Keep a refused call on its (already failed) task as something a person can answer:
 * `wg answer ID --allow RULE` grants it and reopens the task.
 */
export function recordRefusal(
  graph: Graph,
  id: string,
  by: Caller,
  refusal: { request: string; rule?: string | undefined; attempt: number },
): Task {
  const task = getTask(graph, id);
  const question: Question = {
    kind: 'refusal',
    text: refusal.request,
    attempt: refusal.attempt,
    by: by.actor,
    asked_at: by.now.toISOString(),
    ...(refusal.rule ? { rule: refusal.rule } : {}),
  };
  return put(graph, { ...task, question });
}

/** The question `wg answer` would answer on `task`, or why there is none. */
export function openQuestion(task: Task): { question: Question } | { problem: string; hint?: string } {
  const question = task.question;
  const waitingHint = `a task for a person is finished with \`wg done ${task.id}\``;
  if (!question || question.answer)
    return task.status === 'waiting'
      ? { problem: `${task.id} waits for a person but asked nothing`, hint: waitingHint }
      : { problem: `${task.id} has no open question (status ${task.status})` };
  if (question.kind === 'question' && task.status === 'waiting') return { question };
  // A refusal is answerable while it is what the task last failed of.
  if (question.kind === 'refusal' && task.status === 'failed' && question.attempt === task.attempts)
    return { question };
  return { problem: `${task.id} has no open question (status ${task.status})` };
}

/**
 * A person answers: the answer is kept with the question (the next prompt carries both),
 * `allow` widens the task's tools (e.g. by the call that was refused), and the task reopens.
 * A refused call is not held against the task: its failure comes off the retry count.
 */
export function answerQuestion(
  graph: Graph,
  id: string,
  by: Caller,
  text: string,
  allow: readonly string[] = [],
): Task {
  const task = getTask(graph, id);
  const answer = questionText(text, 'answer');
  const open = openQuestion(task);
  if ('problem' in open) throw new TransitionError(open.problem, open.hint);
  const granted = allow.map((rule) => rule.trim()).filter((rule) => rule !== '');
  const tools = granted.length > 0 ? [...new Set([...(task.tools ?? []), ...granted])] : task.tools;
  const question: Question = {
    ...open.question,
    answer: { text: answer, by: by.actor, at: by.now.toISOString(), ...(granted.length > 0 ? { allow: granted } : {}) },
  };
  const refusal = open.question.kind === 'refusal';
  const reopened: Task = {
    ...task,
    status: 'open',
    assigned: undefined,
    claim: undefined,
    question,
    ...(tools ? { tools } : {}),
    ...(refusal ? { retry_count: Math.max(0, (task.retry_count ?? 0) - 1) } : {}),
  };
  const allowed = granted.length > 0 ? `; allowed ${granted.join(', ')}` : '';
  return put(graph, withLog(reopened, entry(by, `answered: ${answer}${allowed}; reopened`)));
}

/**
 * A ready task that only a person can do (assigned to, or matched only by, a human actor):
 * nothing is spawned; it waits for that person, who marks it done.
 */
export function awaitPerson(graph: Graph, id: string, by: Caller, person: string): Task {
  const task = getTask(graph, id);
  if (task.status !== 'open') throw new TransitionError(`${id} is ${task.status}: only an open task can wait`);
  return put(
    graph,
    withLog(
      { ...task, status: 'waiting', assigned: person },
      entry(by, `waits for ${person}, a person: \`wg done ${id}\` when it is done`),
    ),
  );
}
