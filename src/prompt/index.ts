/**
 * The one way a task's prompt is made: `wg run --dry-run` and a real run both call
 * `preparePrompt`, so what a dry run shows is what the agent gets.
 */
import type { Graph } from '../graph/model.js';
import type { Actor, Task } from '../graph/schema.js';
import { buildPrompt, promptBudget } from './build.js';
import { gatherPromptSources } from './sources.js';
import { loadPromptTemplates } from './templates.js';
import type { BuiltPrompt, PromptSources, UpstreamChangeReader } from './types.js';

export { buildPrompt, DEFAULT_PROMPT_BUDGET_TOKENS, PROMPT_BUDGET_SHARE, promptBudget } from './build.js';
export { gatherPromptSources, readProjectFile } from './sources.js';
export { renderTemplate } from './template.js';
export { loadPromptTemplates, loadTemplate } from './templates.js';
export type {
  BuiltPrompt,
  FileContent,
  PromptSources,
  PromptTemplates,
  Template,
  UpstreamChangeReader,
  UpstreamFileChange,
} from './types.js';

export interface PrepareOptions {
  /** Its context_limit sets the budget. */
  actor?: Actor | undefined;
  /** The limit to use when the actor has none (config's defaults.context_limit). */
  contextLimit?: number | undefined;
  /** The trajectory step that ran just before this one. */
  previousStepId?: string | undefined;
  /** Absolute working directory of the agent. */
  workdir: string;
  /** What the agent may do, one line each, from its backend. */
  permissions?: string[] | undefined;
  /** The attempt's own git worktree, when runs are isolated. */
  tree?: PromptSources['tree'];
  /** Read the files from here instead of `root` (a dry run: the worktree is not made yet). */
  readFrom?: string | undefined;
  /** What upstream tasks' landed commits changed (see PromptSources.changes), and why files are whole without it. */
  upstreamChanges?: UpstreamChangeReader | undefined;
  wholeFiles?: string | undefined;
  /** The agent continues the previous step's session: its files are not repeated. */
  sessionContinues?: boolean | undefined;
  /** What a retry started from. */
  retry?: PromptSources['retry'];
  /** The protocol's tools by command (`log` → `mcp__wg__log`), when the agent is offered them: the Protocol section names these. */
  protocolTools?: PromptSources['protocolTools'];
}

/** Gather (reads files under `root`), load the templates (project overrides first) and build. */
export function preparePrompt(
  root: string,
  workgraphDir: string,
  graph: Graph,
  task: Task,
  options: PrepareOptions,
): BuiltPrompt {
  const sources = gatherPromptSources(root, graph, task, options);
  const templates = loadPromptTemplates(workgraphDir, options.protocolTools !== undefined);
  return buildPrompt(sources, templates, promptBudget(options.actor?.context_limit ?? options.contextLimit));
}
