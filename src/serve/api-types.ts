/**
 * The shapes /api/graph and /api/events send, shared by the server (view.ts) and the
 * page (web/main.ts). Nothing here imports anything, so the page's own type check can
 * read it without Node's types.
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
