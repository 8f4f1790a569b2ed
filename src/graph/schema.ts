/**
 * The records of graph.jsonl, validated at the boundary. Objects are "loose": fields
 * we do not know pass through untouched, so a graph written by the Rust workgraph (or
 * a newer wg) survives a rewrite without losing anything.
 */
import { z } from 'zod';

import {
  ACTOR_TYPES,
  COMPLEXITIES,
  DURATION_PATTERN,
  idProblem,
  KNOWN_FIELDS,
  RECORD_KINDS,
  TASK_STATUSES,
  TRUST_LEVELS,
  SANDBOX_MODES,
  VALIDATION_MODES,
  type RecordKind,
} from './types.js';

export * from './types.js';

export const Id = z.string().superRefine((id, ctx) => {
  const problem = idProblem(id);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const Timestamp = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(s) && !Number.isNaN(Date.parse(s)), {
    message: 'not an RFC 3339 timestamp',
  });

export const Duration = z.string().regex(DURATION_PATTERN, 'not a duration like 90s, 30m or 2h');

const StringList = z.array(z.string());
/**
 * A description or prompt is for a person or an agent to read; beyond 1 MB (about a
 * quarter of a million tokens, more than any context window) it is a mistake or an
 * attack, and it would be copied into every prompt downstream.
 */
export const MAX_TEXT_CHARS = 1_000_000;
const Text = z.string().max(MAX_TEXT_CHARS, `longer than ${MAX_TEXT_CHARS.toLocaleString('en')} characters`);
const IdList = z.array(Id);

export const LogEntrySchema = z.looseObject({
  timestamp: Timestamp,
  actor: z.string().optional(),
  message: z.string(),
});
export type LogEntry = z.infer<typeof LogEntrySchema>;

export const EstimateSchema = z.looseObject({
  hours: z.number().nonnegative().optional(),
  cost: z.number().nonnegative().optional(),
});

export const TokenUsageSchema = z.looseObject({
  input_tokens: z.number().int().nonnegative().optional(),
  output_tokens: z.number().int().nonnegative().optional(),
  cache_read_tokens: z.number().int().nonnegative().optional(),
  cache_write_tokens: z.number().int().nonnegative().optional(),
  cost_usd: z.number().nonnegative().optional(),
});
export type TokenUsage = z.infer<typeof TokenUsageSchema>;

/** What one attempt spent, on which backend and model: `wg cost` adds these up. */
export const AttemptCostSchema = z.looseObject({
  attempt: z.number().int().positive(),
  backend: z.string(),
  model: z.string().optional(),
  cost_usd: z.number().nonnegative(),
  input_tokens: z.number().int().nonnegative().optional(),
  output_tokens: z.number().int().nonnegative().optional(),
  /** False when tokens were spent on a model with no price in config.toml: cost_usd then undercounts. */
  priced: z.boolean().optional(),
  /** When it was recorded (ISO time): what `[run] budget_usd_per_day` counts. Older records have none. */
  at: z.string().optional(),
  /** What the llm reviewer spent reviewing this attempt's result (see src/review/llm.ts). */
  review: z.boolean().optional(),
});
export type AttemptCost = z.infer<typeof AttemptCostSchema>;

/**
 * Where a task's work landed: its attempt moved `target` from `base` to `commit` (the same
 * commit when it changed nothing). `wg diff` shows the change.
 */
export const LandedSchema = z.looseObject({
  attempt: z.number().int().positive(),
  target: z.string(),
  base: z.string(),
  commit: z.string(),
  at: Timestamp.optional(),
});
export type Landed = z.infer<typeof LandedSchema>;

/**
 * The lease on a task. Only a hash of the token is stored; the holder got the token
 * itself when it claimed. `pid`/`host`/`pid_start` identify the process that holds the
 * lease so a later runner can tell whether it died.
 */
export const ClaimSchema = z.looseObject({
  attempt: z.number().int().positive(),
  actor: z.string(),
  token_hash: z.string(),
  since: Timestamp,
  pid: z.number().int().positive().optional(),
  host: z.string().optional(),
  pid_start: z.string().optional(),
  /** The runner's pid namespace: its pid means nothing to a process in another one. */
  pid_ns: z.string().optional(),
  /**
   * A runner's lease holds until then; the runner renews it while its agent lives. Past
   * it, any runner, on any machine, may take the task over. A claim without it (a person's
   * `wg claim`) does not expire.
   */
  expires: Timestamp.optional(),
  /** Set when the task is one step of a reserved trajectory that has not started yet. */
  trajectory: z.string().optional(),
  /** The agent process a runner launched for this attempt, so a later runner can stop it if it outlived its runner. */
  agent_pid: z.number().int().positive().optional(),
  agent_start: z.string().optional(),
  /** The environment variable every process of the attempt carries (src/process/marked.ts), so that later runner finds them all. */
  agent_mark: z
    .string()
    .regex(/^WG_PROC_[0-9a-f]+$/)
    .optional(),
});
export type Claim = z.infer<typeof ClaimSchema>;

/**
 * A successful attempt's result that waits for a verdict (status `pending-validation`): its
 * commit `head` on `branch`, made from `base`, not landed yet. A rejected result stays
 * here, so the retry can start from it.
 */
export const PendingResultSchema = z.looseObject({
  attempt: z.number().int().positive(),
  /** Unset when the attempt ran in place (no git isolation): the status is gated, the files are already where they go. */
  branch: z.string().optional(),
  base: z.string().optional(),
  head: z.string().optional(),
  /** The branch the result lands on once approved. */
  target: z.string().optional(),
  /** The attempt's worktree, kept until the verdict. */
  worktree: z.string().optional(),
  /** The agent's session and backend, for a retry after a rejection to continue it. */
  session: z.string().optional(),
  backend: z.string().optional(),
  since: Timestamp,
});
export type PendingResult = z.infer<typeof PendingResultSchema>;

/** One line comment of a review: `path:line: text`, with the diff lines it points at. */
export const ReviewCommentSchema = z.looseObject({
  path: z.string(),
  line: z.number().int().positive(),
  text: z.string(),
  diff: z.string().optional(),
});
export type ReviewComment = z.infer<typeof ReviewCommentSchema>;

/** The last verdict on the task's result: whose, which, and why (a rejection's reason and comments go into the retry's prompt). */
export const ReviewSchema = z.looseObject({
  verdict: z.enum(['approve', 'reject']),
  attempt: z.number().int().positive(),
  by: z.string(),
  reviewer: z.enum(['person', 'llm']),
  at: Timestamp,
  reason: z.string().optional(),
  comment: z.string().optional(),
  comments: z.array(ReviewCommentSchema).optional(),
});
export type Review = z.infer<typeof ReviewSchema>;

/** A person's answer to a task's question (`wg answer`); `allow`: the tools it granted the task. */
export const AnswerSchema = z.looseObject({
  text: Text,
  by: z.string(),
  at: Timestamp,
  allow: StringList.optional(),
});

/**
 * What an attempt needs from a person: a question its agent asked (`wg ask`, or the agent
 * program's own ask-the-user tool; the task then waits, status `waiting`), or a call its
 * permissions refused (`refusal`; the task failed). `wg answer` records the answer and
 * reopens the task; the next prompt carries both.
 */
export const QuestionSchema = z.looseObject({
  kind: z.enum(['question', 'refusal']),
  text: Text,
  attempt: z.number().int().positive().optional(),
  by: z.string(),
  asked_at: Timestamp,
  /** refusal: the task `tools` rule that would allow the refused call. */
  rule: z.string().optional(),
  answer: AnswerSchema.optional(),
});
export type Question = z.infer<typeof QuestionSchema>;

export const TaskSchema = z.looseObject({
  id: Id,
  title: z.string(),
  description: Text.optional(),
  status: z.enum(TASK_STATUSES),
  assigned: z.string().optional(),
  estimate: EstimateSchema.optional(),
  blocks: IdList.optional(),
  blocked_by: IdList.optional(),
  requires: IdList.optional(),
  tags: StringList.optional(),
  skills: StringList.optional(),
  inputs: StringList.optional(),
  deliverables: StringList.optional(),
  artifacts: StringList.optional(),
  exec: z.string().optional(),
  not_before: Timestamp.optional(),
  created_at: Timestamp.optional(),
  started_at: Timestamp.optional(),
  completed_at: Timestamp.optional(),
  log: z.array(LogEntrySchema).optional(),
  retry_count: z.number().int().nonnegative().optional(),
  max_retries: z.number().int().nonnegative().optional(),
  /** Model turns per attempt, on backends that have turns; over `[backends.NAME] max_turns` and `[defaults] max_turns`. */
  max_turns: z.number().int().positive().optional(),
  failure_reason: z.string().optional(),
  /** The last lines the failed attempt's check printed: for the retry's prompt, `wg show` and the page. */
  failure_output: z.string().optional(),
  model: z.string().optional(),
  verify: z.string().optional(),
  // wg's own fields on top of upstream's
  prefers_skills: StringList.optional(),
  complexity: z.enum(COMPLEXITIES).optional(),
  context_files: StringList.optional(),
  prompt: Text.optional(),
  tools: StringList.optional(),
  /** Variables of wg's environment this task's agent also gets (names, or globs with `*`), beyond `[run] env_pass`. */
  env_pass: StringList.optional(),
  /** What its agent runs in, over `[run] sandbox`. */
  sandbox: z.enum(SANDBOX_MODES).optional(),
  working_dir: z.string().optional(),
  timeout: Duration.optional(),
  backend: z.string().optional(),
  progress: z.number().min(0).max(100).optional(),
  token_usage: TokenUsageSchema.optional(),
  max_cost_usd: z.number().nonnegative().optional(),
  costs: z.array(AttemptCostSchema).optional(),
  attempts: z.number().int().nonnegative().optional(),
  claim: ClaimSchema.optional(),
  landed: LandedSchema.optional(),
  /**
   * What the agent said it did, in its final message (a command agent's `::summary` line),
   * recorded when an attempt succeeds: the hand-off the tasks downstream read. The runner
   * stores at most MAX_SUMMARY_CHARS of it (see graph/transitions.ts).
   */
  summary: Text.optional(),
  // Review before landing: upstream's fields, then wg's own.
  validation: z.enum(VALIDATION_MODES).optional(),
  validator_model: z.string().optional(),
  rejection_count: z.number().int().nonnegative().optional(),
  max_rejections: z.number().int().nonnegative().optional(),
  pending_result: PendingResultSchema.optional(),
  review: ReviewSchema.optional(),
  question: QuestionSchema.optional(),
});
export type Task = z.infer<typeof TaskSchema>;

export const ActorSchema = z.looseObject({
  id: Id,
  name: z.string().optional(),
  role: z.string().optional(),
  capabilities: StringList.optional(),
  context_limit: z.number().int().positive().optional(),
  trust_level: z.enum(TRUST_LEVELS).optional(),
  actor_type: z.enum(ACTOR_TYPES).optional(),
  last_seen: Timestamp.optional(),
  backend: z.string().optional(),
  model: z.string().optional(),
});
export type Actor = z.infer<typeof ActorSchema>;

export const ResourceSchema = z.looseObject({
  id: Id,
  name: z.string().optional(),
  type: z.string().optional(),
});
export type Resource = z.infer<typeof ResourceSchema>;

export const SCHEMA_BY_KIND = {
  task: TaskSchema,
  actor: ActorSchema,
  resource: ResourceSchema,
} as const;

/** Why `object` is not a valid record of `kind`, or undefined if it is. */
export function recordProblem(kind: RecordKind, object: unknown): string | undefined {
  const result = SCHEMA_BY_KIND[kind].safeParse(object);
  if (result.success) return undefined;
  return result.error.issues
    .map((issue) => `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`)
    .join('; ');
}

/** types.ts lists the fields without loading zod; fail loudly at load if the lists drift apart. */
for (const kind of RECORD_KINDS) {
  const shape = Object.keys(SCHEMA_BY_KIND[kind].shape).sort().join(',');
  if (shape !== [...KNOWN_FIELDS[kind]].sort().join(','))
    throw new Error(`KNOWN_FIELDS.${kind} does not match its schema`);
}
