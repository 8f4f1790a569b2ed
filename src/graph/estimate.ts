/**
 * How big the prompt for a task will be, before anyone builds it: matching needs it to
 * rule out actors whose context is too small, and trajectory planning to know how many
 * tasks fit one session. Deterministic and pure, so it cannot read files: the contents
 * the runner will inline (upstream artifacts, context files) are counted as fixed
 * allowances, not measured. Roughly one token per four characters.
 */
import { dependencyIndex, type DependencyIndex } from './deps.js';
import { normalizeRef, upstreamOf } from './context.js';
import type { Graph } from './model.js';
import type { Task } from './schema.js';

export const CHARS_PER_TOKEN = 4;
/** The runner's fixed instructions: the wg protocol, lease handling, how to report. */
export const PROMPT_OVERHEAD_TOKENS = 1_500;
/** An allowance, not a measurement: the runner inlines each file's content, which the core cannot read. */
export const FILE_ALLOWANCE_TOKENS = 2_000;

export interface PromptEstimate {
  overhead: number;
  /** The task's own text: title, description, prompt, verify, inputs, deliverables. */
  task: number;
  /** What direct dependencies pass on: titles, artifact and deliverable lists, last log messages. */
  upstream: number;
  /** Allowances for the distinct upstream artifacts and context files whose contents get inlined. */
  files: number;
  fileCount: number;
  total: number;
}

function tokens(texts: ReadonlyArray<string | undefined>): number {
  const characters = texts.reduce((sum, text) => sum + (text?.length ?? 0), 0);
  return Math.ceil(characters / CHARS_PER_TOKEN);
}

/** `index` lets a caller estimating many tasks build the dependency index once. */
export function estimatePrompt(
  graph: Graph,
  task: Task,
  index: DependencyIndex = dependencyIndex(graph),
): PromptEstimate {
  const own = tokens([
    task.title,
    task.description,
    task.prompt,
    task.verify,
    ...(task.inputs ?? []),
    ...(task.deliverables ?? []),
  ]);
  const upstream = upstreamOf(graph, task, index);
  const passedOn = tokens(
    upstream.flatMap((dep) => [
      dep.title,
      ...dep.artifacts,
      ...dep.deliverables,
      ...dep.log.map((entry) => entry.message),
    ]),
  );
  // A file named by two dependencies, or by a dependency and context_files, is inlined once.
  const files = new Set([...upstream.flatMap((dep) => dep.artifacts), ...(task.context_files ?? [])].map(normalizeRef));
  const fileTokens = files.size * FILE_ALLOWANCE_TOKENS;
  return {
    overhead: PROMPT_OVERHEAD_TOKENS,
    task: own,
    upstream: passedOn,
    files: fileTokens,
    fileCount: files.size,
    total: PROMPT_OVERHEAD_TOKENS + own + passedOn + fileTokens,
  };
}

/** The estimated prompt size for `task`, in tokens. */
export function estimatePromptTokens(graph: Graph, task: Task, index?: DependencyIndex): number {
  return estimatePrompt(graph, task, index).total;
}
