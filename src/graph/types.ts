/**
 * Constants of the graph format that need no validator. Kept apart from schema.ts so
 * that read-only commands can start without loading zod (see store/validation-cache.ts).
 */
export const TASK_STATUSES = [
  'open',
  'in-progress',
  'done',
  'failed',
  'abandoned',
  'pending-review',
  // Waits on a person: a question its agent asked (`wg answer` reopens it), or a task for a human actor (`wg done`).
  // Upstream's name; like the statuses below, it is not ready, not claimable, and satisfies no dependency.
  'waiting',
  // Statuses of the Rust project's newer graphs (graphwork/wg). wg keeps and shows them but never sets them
  // (only upstream's own tools move a task out of them), but for `pending-validation`: a successful result
  // waiting for `wg approve` / `wg reject` (see graph/review.ts). None is ready, claimable, or satisfies a dependency.
  'blocked',
  'pending-validation',
  'pending-eval',
  'failed-pending-eval',
  'incomplete',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/**
 * A status as upstream reads it: upstream accepts `FailedPendingEval`, `pending_eval` or
 * `In Progress` for the canonical kebab-case name (it writes only that). Undefined when
 * the label names no status wg knows. (Upstream also reads `pending-review` as `done`;
 * wg keeps that one as it is.)
 */
export function canonicalStatus(label: string): TaskStatus | undefined {
  let out = '';
  let afterSeparator = false;
  let afterLowerOrDigit = false;
  for (const ch of label.trim()) {
    if (ch === '_' || ch === '-' || /\s/.test(ch)) {
      if (out !== '' && !afterSeparator) out += '-';
      afterSeparator = out !== '';
      afterLowerOrDigit = false;
      continue;
    }
    if (/[A-Z]/.test(ch) && afterLowerOrDigit && !afterSeparator) out += '-';
    out += ch.toLowerCase();
    afterSeparator = false;
    afterLowerOrDigit = /[a-z0-9]/.test(ch);
  }
  out = out.replace(/-+$/, '');
  // `inprogress`, `pendingeval`: upstream reads the names run together too.
  return TASK_STATUSES.find((status) => status === out || status.replaceAll('-', '') === out);
}

/** The statuses only upstream's tools set (see TASK_STATUSES). */
export const UPSTREAM_STATUSES: ReadonlySet<TaskStatus> = new Set([
  'blocked',
  'pending-eval',
  'failed-pending-eval',
  'incomplete',
]);

/**
 * How a task's successful result is accepted (upstream's `validation` field): `none` lands
 * it at once; `external` waits for a person's `wg approve`; `llm` for a reviewer agent's
 * verdict. Upstream's `integrated` (the agent validates its own work) lands at once too.
 */
export const VALIDATION_MODES = ['none', 'integrated', 'external', 'llm'] as const;
export type ValidationMode = (typeof VALIDATION_MODES)[number];

/** What a task's agent runs in: `bwrap`, bubblewrap's sandbox (see src/sandbox/), or `none`. */
export const SANDBOX_MODES = ['none', 'bwrap'] as const;
export type SandboxMode = (typeof SANDBOX_MODES)[number];

export const COMPLEXITIES = ['simple', 'moderate', 'complex'] as const;
export type Complexity = (typeof COMPLEXITIES)[number];

export const TRUST_LEVELS = ['verified', 'provisional', 'unknown'] as const;
export type TrustLevel = (typeof TRUST_LEVELS)[number];

export const ACTOR_TYPES = ['agent', 'human'] as const;

export const RECORD_KINDS = ['task', 'actor', 'resource'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/**
 * Ids end up in paths (`.workgraph/runs/<id>/`), so nothing that can climb. One leading
 * dot is allowed: upstream names its own machinery so (`.flip-build`, `.evaluate-build`).
 */
const ID_PATTERN = /^\.?[\p{L}\p{N}_][\p{L}\p{N}._-]*$/u;

export function idProblem(id: string): string | undefined {
  if (id.length === 0) return 'id is empty';
  if (id.length > 200) return 'id is longer than 200 characters';
  if (!ID_PATTERN.test(id) || id.includes('..')) {
    return `invalid id "${id}": use letters, digits, "-", "_" and "." (no "/", no "..")`;
  }
  return undefined;
}

/** `90s`, `30m`, `2h`, `1h30m`, or a bare number of seconds. */
export const DURATION_PATTERN = /^(\d+(\.\d+)?(ms|s|m|h|d))+$|^\d+$/;

/** The fields each kind defines (schema.ts checks that these match its shapes). */
export const KNOWN_FIELDS: Record<RecordKind, readonly string[]> = {
  task: [
    'id',
    'title',
    'description',
    'status',
    'assigned',
    'estimate',
    'blocks',
    'blocked_by',
    'requires',
    'tags',
    'skills',
    'inputs',
    'deliverables',
    'artifacts',
    'exec',
    'not_before',
    'created_at',
    'started_at',
    'completed_at',
    'log',
    'retry_count',
    'max_retries',
    'max_turns',
    'failure_reason',
    'model',
    'verify',
    'prefers_skills',
    'complexity',
    'context_files',
    'prompt',
    'tools',
    'env_pass',
    'sandbox',
    'working_dir',
    'timeout',
    'backend',
    'progress',
    'token_usage',
    'max_cost_usd',
    'costs',
    'attempts',
    'claim',
    'landed',
    'failure_output',
    'summary',
    'validation',
    'validator_model',
    'rejection_count',
    'max_rejections',
    'pending_result',
    'review',
    'question',
  ],
  actor: [
    'id',
    'name',
    'role',
    'capabilities',
    'context_limit',
    'trust_level',
    'actor_type',
    'last_seen',
    'backend',
    'model',
  ],
  resource: ['id', 'name', 'type'],
};

/** Known fields whose zero value means "not set", so they are left off the line. */
export const SPARSE_DEFAULTS: Record<RecordKind, Record<string, unknown>> = {
  task: { retry_count: 0, progress: 0, attempts: 0 },
  actor: {},
  resource: {},
};

/** Task fields that hold lists, with the CLI's singular flag name for each. */
export const LIST_FIELDS = {
  blocked_by: 'blocked-by',
  skills: 'skill',
  prefers_skills: 'prefer-skill',
  tags: 'tag',
  inputs: 'input',
  deliverables: 'deliverable',
  context_files: 'context-file',
  tools: 'tool',
  requires: 'require',
  env_pass: 'env-pass',
} as const;
export type ListField = keyof typeof LIST_FIELDS;

export const SCALAR_FIELDS = [
  'title',
  'description',
  'complexity',
  'exec',
  'prompt',
  'working_dir',
  'timeout',
  'max_retries',
  'max_turns',
  'max_cost_usd',
  'model',
  'backend',
  'verify',
  'assigned',
  'not_before',
  'validation',
  'sandbox',
] as const;
export type ScalarField = (typeof SCALAR_FIELDS)[number];

/** An entry of `env_pass`: a variable's name, or a glob of names with `*` and `?`. */
export const ENV_PASS_NAME = /^[A-Za-z_*?][A-Za-z0-9_*?]*$/;
