/**
 * The `llm` reviewer: when a result of a task whose `validation` is `llm` waits in
 * `pending-validation`, a read-only attempt on the reviewer backend (`[review] backend` and
 * `model`, or the task's `validator_model`) reads the task, its deliverables, its check, the
 * agent's summary and the diff, and answers a JSON verdict (review/verdict.ts). Its verdict
 * takes the same path as a person's (`approvePending` / `rejectPending`); an unusable answer
 * is asked for once more, then the result waits for a person. What the reviewer spent is
 * recorded on the task's `costs`, marked `review`, and counts toward its cap.
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentEvent } from '../backends/types.js';
import { chooseBackendName, resolveBackend } from '../backends/index.js';
import { WgError } from '../errors.js';
import { getTask } from '../graph/model.js';
import type { PendingResult, Task, TaskStatus } from '../graph/schema.js';
import { addTokenUsage, appendLog, recordAttemptCost, type Caller } from '../graph/transitions.js';
import { spawnViaHelper } from '../process/helper.js';
import { supervise } from '../process/supervise.js';
import { renderTemplate } from '../prompt/template.js';
import { loadTemplate } from '../prompt/templates.js';
import { runDirectory } from '../runner/attempt/prepare.js';
import { costOf } from '../runner/cost.js';
import type { LaunchOptions } from '../runner/prepare.js';
import { secretValues, StreamRedactor, redactText } from '../runner/redact.js';
import { gitOk } from '../worktree/git.js';
import { approvePending, keptInGit, rejectPending, type ApplyChange } from '../worktree/review.js';
import { readVerdict, type LlmVerdict } from './verdict.js';

/** The reviewer's actor name in the task's log and its `review.by`. */
export const REVIEWER_ACTOR = 'llm-reviewer';
/** How many times the reviewer is asked before the result is left to a person. */
const ASKS = 2;
/** A reviewer that runs longer than this is stopped (its answer counts as unusable). */
const REVIEW_TIMEOUT_MS = 20 * 60_000;
/** The diff in the prompt is cut here: a reviewer can read the rest in its worktree. */
const MAX_DIFF_CHARS = 60_000;

export interface LlmReviewContext {
  launch: LaunchOptions;
  apply: ApplyChange;
  signal: AbortSignal;
  graceMs: number;
}

/** What the review did to the task, and what it spent (for the run's budget). */
export interface LlmReviewResult {
  status: TaskStatus;
  /** approve / reject, or `person`: no usable verdict, the result waits for `wg approve` / `wg reject`. */
  decided: LlmVerdict['verdict'] | 'person';
  costUsd: number;
  backend: string;
  model: string | undefined;
}

interface Heard {
  /** What the reviewer said, latest first: its summary, its final message, its last printed lines. */
  said: string[];
  costUsd: number;
  model: string | undefined;
  failure?: string | undefined;
}

/** Review the pending result of `taskId` and apply the verdict. */
export async function reviewWithLlm(context: LlmReviewContext, taskId: string): Promise<LlmReviewResult> {
  const { launch, apply } = context;
  const config = launch.config;
  const task = await apply((graph) => getTask(graph, taskId));
  const pending = task.pending_result;
  if (task.status !== 'pending-validation' || !pending)
    throw new WgError(`${taskId} is ${task.status}: it has no result for the reviewer`);
  const caller = (): Caller => ({ actor: REVIEWER_ACTOR, now: new Date() });
  const note = (message: string) => apply((graph) => appendLog(graph, taskId, caller(), message));
  const backendName = config.review.backend ?? pending.backend ?? chooseBackendName(task, undefined, config);
  const model = task.validator_model ?? config.review.model;
  const prompt = renderTemplate(
    loadTemplate(launch.workgraphDir, 'review'),
    await promptVars(launch.root, task, pending),
  );
  let spent = 0;
  let reportedModel: string | undefined;
  let why = '';
  // No verdict to act on: the result stays pending, for a person (or the next wg run).
  const leftToPerson = (): LlmReviewResult => ({
    status: 'pending-validation',
    decided: 'person',
    costUsd: spent,
    backend: backendName,
    model: reportedModel,
  });
  for (let ask = 1; ask <= ASKS; ask++) {
    await note(
      `review of attempt ${pending.attempt} by the llm reviewer on ${backendName}${ask > 1 ? ` (asked again: ${why})` : ''}`,
    );
    let heard: Heard;
    try {
      heard = await askReviewer(context, task, pending, { backendName, model, prompt, ask });
    } catch (error) {
      if (!(error instanceof WgError)) throw error;
      heard = { said: [], costUsd: 0, model, failure: `the reviewer could not start: ${error.message}` };
    }
    spent = round(spent + heard.costUsd);
    reportedModel = heard.model ?? reportedModel;
    await recordReviewCost(apply, taskId, pending.attempt, backendName, reportedModel, spent);
    if (context.signal.aborted) {
      await note('review stopped with the run; the result waits for a person or the next wg run');
      return leftToPerson();
    }
    const reading = heard.failure ? { kind: 'unusable' as const, why: heard.failure } : readVerdict(heard.said);
    if (reading.kind === 'unusable') {
      why = reading.why;
      continue;
    }
    const verdict = reading.verdict;
    const place = { root: launch.root, workgraphDir: launch.workgraphDir, config };
    const status =
      verdict.verdict === 'approve'
        ? (
            await approvePending(
              place,
              apply,
              taskId,
              caller(),
              { reviewer: 'llm', comment: verdict.comment },
              context.signal,
            )
          ).task.status
        : (
            await rejectPending(place, apply, taskId, caller(), {
              reviewer: 'llm',
              reason: verdict.reason,
              comments: verdict.comments,
            })
          ).status;
    return { status, decided: verdict.verdict, costUsd: spent, backend: backendName, model: reportedModel };
  }
  await note(
    `the llm reviewer gave no usable verdict (${why}); the result waits for a person: wg approve ${taskId} or wg reject ${taskId} --reason TEXT`,
  );
  return leftToPerson();
}

/** One run of the reviewer, in the result's kept worktree (else the project), told to change nothing. */
async function askReviewer(
  context: LlmReviewContext,
  task: Task,
  pending: PendingResult,
  how: { backendName: string; model: string | undefined; prompt: string; ask: number },
): Promise<Heard> {
  const { launch } = context;
  const { backend, settings } = resolveBackend(how.backendName, launch.config);
  const runDir = join(runDirectory(launch.workgraphDir, task.id, pending.attempt), `review-${how.ask}`);
  mkdirSync(runDir, { recursive: true });
  const promptFile = join(runDir, 'prompt.md');
  writeFileSync(promptFile, how.prompt);
  const workdir = pending.worktree ?? launch.root;
  // No WG_TASK_ID / WG_TOKEN: the reviewer holds no lease and cannot give a verdict with `wg approve`.
  const env: Record<string, string | undefined> = {
    ...launch.baseEnv,
    WG_DIR: launch.workgraphDir,
    WG_REVIEW_OF: task.id,
    PATH: `${launch.wgBinDir}:${launch.baseEnv.PATH ?? ''}`,
  };
  delete env.WG_TASK_ID;
  delete env.WG_TOKEN;
  const spec = backend.launch({
    // Read-only: the reviewer may look, not edit (backends that take a tool list honour it).
    task: { ...task, tools: ['Read', 'Grep', 'Glob'] },
    prompt: how.prompt,
    promptFile,
    workdir,
    workgraphDir: launch.workgraphDir,
    model: how.model,
    settings,
    env,
    onPermissionDenied: 'continue',
  });
  const secrets = secretValues(spec.env);
  const raw = createWriteStream(join(runDir, 'output.log'));
  const texts: string[] = [];
  const lines: string[] = [];
  let summary: string | undefined;
  let costUsd = 0;
  let model = how.model;
  const take = (event: AgentEvent) => {
    if (event.type === 'text') texts.push(event.text);
    else if (event.type === 'summary') summary = event.text;
    else if (event.type === 'progress') lines.push(event.message);
    else if (event.type === 'usage') {
      if (event.model) model = event.model;
      costUsd = round(costUsd + costOf(event, model, launch.config.prices).costUsd);
    }
  };
  const parser = backend.parser();
  const end = await supervise({
    spec,
    spawn: spawnViaHelper,
    timeoutMs: REVIEW_TIMEOUT_MS,
    graceMs: context.graceMs,
    signal: context.signal,
    raw,
    filter: () => new StreamRedactor(secrets),
    onLine: (text, stream) => {
      if (stream === 'stdout') lines.push(text);
      parser.line(text, stream).forEach(take);
    },
  });
  (parser.end?.() ?? []).forEach(take);
  await new Promise((resolve) => raw.end(resolve));
  const failure =
    end.kind === 'exited' && end.exitCode === 0
      ? undefined
      : `the reviewer ended ${end.kind === 'exited' ? `with exit code ${end.exitCode}` : `(${end.kind})`}`;
  // A program's verdict is its last printed lines; an agent's, its summary or final message.
  const tail = lines.slice(-20).join('\n');
  const said = [summary, texts.at(-1), tail].filter((text): text is string => text !== undefined && text.trim() !== '');
  return { said: said.map((text) => redactText(text, secrets)), costUsd, model, failure };
}

async function promptVars(root: string, task: Task, pending: PendingResult): Promise<Record<string, string>> {
  const deliverables = task.deliverables?.length
    ? task.deliverables.map((path) => `- \`${path}\``).join('\n')
    : 'No files are declared.';
  const verify = task.verify
    ? `\`${task.verify}\` passed on this result.`
    : 'The task has no check: nothing but this review stands between the result and the target.';
  return {
    task_id: task.id,
    task_title: task.title,
    task_body: task.description?.trim() || '(no description)',
    deliverables,
    verify,
    summary: task.summary?.trim() || '(it said nothing)',
    diff: await diffOf(root, pending),
  };
}

async function diffOf(root: string, pending: PendingResult): Promise<string> {
  if (!keptInGit(pending))
    return 'The attempt ran in place (no git isolation): wg has no record of its change; read the files.';
  const patch = await gitOk(pending.worktree ?? root, [
    'diff',
    '--no-ext-diff',
    '--no-color',
    pending.base,
    pending.head,
  ]);
  if (patch.trim() === '') return 'The attempt changed no file.';
  const cut = patch.length > MAX_DIFF_CHARS;
  return `\`\`\`diff\n${cut ? patch.slice(0, MAX_DIFF_CHARS) : patch}\n\`\`\`${cut ? `\n(cut at ${MAX_DIFF_CHARS} characters: \`git diff ${pending.base} ${pending.head}\` shows all of it)` : ''}`;
}

/** The reviewer's spend on the task: its own `costs` entry (marked `review`), and toward the task's total and cap. */
async function recordReviewCost(
  apply: ApplyChange,
  taskId: string,
  attempt: number,
  backend: string,
  model: string | undefined,
  totalUsd: number,
): Promise<void> {
  if (totalUsd <= 0) return;
  await apply((graph) => {
    const before = getTask(graph, taskId).costs?.find((cost) => cost.attempt === attempt && cost.review === true);
    const added = round(totalUsd - (before?.cost_usd ?? 0));
    if (added > 0) addTokenUsage(graph, taskId, { cost_usd: added });
    return recordAttemptCost(graph, taskId, {
      attempt,
      backend,
      ...(model ? { model } : {}),
      cost_usd: totalUsd,
      review: true,
    });
  });
}

const round = (usd: number) => Math.round(usd * 1e6) / 1e6;
