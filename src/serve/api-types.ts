/**
 * The shapes wg serve's API sends, shared by the server (server.ts, view.ts) and the page
 * (web/api.ts), so a field renamed on one side is a type error on the other. Nothing here
 * imports anything, so the page's own type check can read it without Node's types.
 */
export interface TaskView {
  id: string;
  title: string;
  /** The stored status (what `data-status` carries). */
  status: string;
  /** The status people read: `blocked` for an open task waiting on unfinished work. */
  display: string;
  assigned: string | null;
  tags: string[];
  blocked_by: string[];
  attempts: number;
  cost_usd: number;
  progress: number | null;
  /** The log's length and latest entry: an agent's `wg log` changes these, so it reaches the page. */
  log_count: number;
  last_log: string | null;
  updated: string | null;
}

export interface Header {
  counts: Record<string, number>;
  total: number;
  spent_usd: number;
  budget_usd: number | null;
  /** Times a backend's rate limit sent a task back to wait (from the tasks' logs). */
  rate_limit_pauses: number;
  last_pause: string | null;
  /** Runners working on this graph now (from their records in .workgraph/active-runs). */
  runs: Array<{ host: string; pid: number; started_at: string; budget_usd: number | null; parallel: number }>;
  /** Backends a live runner's rate limit paused, and until when (the page shows those still ahead). */
  paused: Array<{ backend: string; until: string }>;
  /** From the earliest live run's start to now; with none alive, the last run's start and end; null when no run is known. */
  started_at: string | null;
  ended_at: string | null;
  running: number;
}

/** What the dashboard shows of a graph (view.ts builds it). */
export interface GraphView {
  tasks: TaskView[];
  critical_path: string[];
  header: Header;
}

/** GET /api/graph: the view (its tasks filtered by the query) and the version it is at. */
export interface GraphPayload extends GraphView {
  version: number;
}

/** GET /api/info. */
export interface Info {
  /** Whether the actions (retry, abandon, unclaim, approve, reject, answer) are allowed (to a request with the token). */
  actions: boolean;
  version: number;
}

/** /api/events' first event: the version the stream starts from. */
export interface Hello {
  version: number;
}

/**
 * /api/events' `graph` event: after a change of structure (a task or an edge added or
 * removed) the whole graph, otherwise only the tasks that changed.
 */
export type GraphEvent = { version: number; critical_path: string[]; header: Header } & (
  { full: true; tasks: TaskView[] } | { full: false; changed: TaskView[]; removed: string[] }
);

/** GET /api/layout: where the graph's drawing puts each task and each edge. */
export interface Layout {
  width: number;
  height: number;
  nodes: Record<string, { x: number; y: number; width: number; height: number }>;
  edges: Array<{ from: string; to: string; points: Array<[number, number]> }>;
  /** How long the layout took on the server. */
  ms: number;
}

/** One attempt as the task's log tells it (view.ts `attemptsOf`). */
export interface AttemptSummary {
  attempt: number;
  actor: string | null;
  started: string | null;
  /** done, failed, reopened, unclaimed, abandoned, or running (from the task's log); unknown for files alone. */
  outcome: string;
  reason: string | null;
  /** What the attempt's failed check printed last (from its log entry), or null. */
  output: string | null;
  cost_usd: number | null;
  backend: string | null;
  model: string | null;
}

/** An attempt on the task page: its summary, and the sizes of its files on disk (null when absent). */
export interface AttemptView extends AttemptSummary {
  prompt_bytes: number | null;
  output_bytes: number | null;
}

/** Where a task's work landed (`wg diff` shows the change). */
export interface Landed {
  attempt: number;
  target: string;
  base: string;
  commit: string;
}

/**
 * The stored task as graph.jsonl holds it: the fields the page reads, and whatever else
 * the record carries (the server sends it whole).
 */
export interface TaskRecord {
  [field: string]: unknown;
  id: string;
  title: string;
  status: string;
  assigned?: string | undefined;
  description?: string | undefined;
  artifacts?: string[] | undefined;
  failure_reason?: string | undefined;
  failure_output?: string | undefined;
  summary?: string | undefined;
  landed?: Landed | undefined;
  /** The result waiting for a verdict (status pending-validation). */
  pending_result?: { attempt: number; since: string } | undefined;
  /** What the task asked (a question) or the call its permissions refused, and the answer once given. */
  question?: { kind: 'question' | 'refusal'; text: string; rule?: string; answer?: { text: string } } | undefined;
  log?: Array<{ timestamp: string; actor?: string | undefined; message: string }> | undefined;
}

/** GET /api/tasks/ID. */
export interface TaskDetail {
  task: TaskRecord;
  display: string;
  cost_usd: number;
  attempts: AttemptView[];
  on_critical_path: boolean;
}

/** An attempt file's stream (/api/tasks/ID/attempts/N/output or events): where it starts. */
export interface FileStart {
  from: number;
  /** Bytes before `from` that are not sent (a long backlog is cut to its tail). */
  skipped: number;
}

/** An attempt file's stream: the next part of the file, read from `offset`. */
export interface FileChunk {
  text: string;
  offset: number;
}

/** One thing that waits on a person (GET /api/inbox; the same items as `wg inbox --json`). */
export interface InboxItem {
  kind:
    | 'pending-validation'
    | 'input-required'
    | 'permission-denied'
    | 'failed'
    | 'human-task'
    | 'budget-stopped'
    | 'rate-limit-paused';
  /** The task it is about; a budget stop or a paused backend has none. */
  task?: string;
  text: string;
  /** The one command that resolves it. */
  command: string;
  /** Since when it waits (ISO time): the list is oldest first. */
  since: string;
}

/** GET /api/inbox. */
export interface InboxPayload {
  items: InboxItem[];
}

/** GET /api/tasks/ID/diff: what an attempt changed, as `wg diff --json` gives it. */
export interface DiffPayload {
  task: string;
  attempt: number;
  /** landed, running, pending (waits for a verdict), kept (worktree) or branch (worktree gone). */
  source: string;
  target: string | undefined;
  branch: string | undefined;
  worktree: string | undefined;
  base: string;
  head: string;
  files: Array<{ path: string; status: string; additions: number | undefined; deletions: number | undefined }>;
  patch?: string;
}

/** What an action (POST /api/tasks/ID/ACTION) answers: the task's new status. */
export interface ActionResult {
  id: string;
  status: string;
}
