/**
 * The graph in PostgreSQL, shared by runners and agents on any number of machines. It
 * keeps the two calls every command uses (`load`, `transact`) and the upstream format:
 * each record is a row holding its upstream JSON, read back through the same parser as a
 * graph.jsonl line, so validation, aliases, unknown fields and unknown kinds behave the
 * same on both stores. A transaction takes one advisory lock, so changes are serialized
 * across machines; every change is one database transaction; a task's new log entries
 * are appended to `wg_log`, never rewritten.
 */
import { GraphFileError } from '../../errors.js';
import { setTimeout as pause } from 'node:timers/promises';
import pRetry from 'p-retry';
import { copyGraph, type Graph } from '../../graph/model.js';
import { graphText, parseGraph, renderGraph, type ParsedGraph, type SourceLine } from '../jsonl.js';
import type { WorkspaceStore } from '../store.js';
import { connect, isConnectionLost, RECONNECT_BACKOFF, unavailable, type Database, type Queryable } from './connect.js';
import { GRAPH_LOCK_KEY, LATEST_VERSION, migrate } from './schema.js';

/** What a read saw, besides the graph: where each line is stored and how many log entries each task has there. */
interface Snapshot {
  /** wg_version's counter when it was read: the snapshot holds while the counter has not moved. */
  version: string;
  parsed: ParsedGraph;
  /** positions[lineNo - 1]: the row that line came from. */
  positions: number[];
  storedLogs: Map<string, number>;
}

/**
 * The record's JSON text with its stored log entries put back where its `log` key stands
 * (the row keeps an empty `log` as a placeholder, so key order survives the round trip).
 */
function withLog(data: string, entries: string[] | undefined): string {
  if (!data.includes(LOG_PLACEHOLDER)) return data;
  const object = JSON.parse(data) as Record<string, unknown>;
  if (entries && entries.length > 0) object.log = entries.map((entry) => JSON.parse(entry) as unknown);
  else delete object.log;
  return JSON.stringify(object);
}

const LOG_PLACEHOLDER = '"log":[]';

async function currentVersion(db: Queryable): Promise<string> {
  const [row] = await db.query<{ version: string }>('SELECT version FROM wg_version');
  return row!.version;
}

/** The whole graph as stored now (inside a transaction, so records, logs and version agree). */
async function readSnapshot(db: Queryable, version: string): Promise<Snapshot> {
  const rows = await db.query<{ position: string; kind: string; id: string; data: string }>(
    'SELECT position, kind, id, data::text AS data FROM wg_records ORDER BY position',
  );
  const logRows = await db.query<{ task_id: string; entry: string }>(
    'SELECT task_id, entry::text AS entry FROM wg_log ORDER BY seq',
  );
  const logs = new Map<string, string[]>();
  for (const row of logRows) {
    const entries = logs.get(row.task_id) ?? [];
    entries.push(row.entry);
    logs.set(row.task_id, entries);
  }
  const text = rows.map((row) => (row.kind === 'task' ? withLog(row.data, logs.get(row.id)) : row.data)).join('\n');
  const { recordProblem } = await import('../../graph/schema.js');
  const parsed = parseGraph(text === '' ? '' : `${text}\n`, recordProblem, 'store');
  const storedLogs = new Map([...logs].map(([id, entries]) => [id, entries.length]));
  return { version, parsed, positions: rows.map((row) => Number(row.position)), storedLogs };
}

/** A record's row JSON: the line's object with its log emptied (the entries live in wg_log). */
function rowData(line: SourceLine): { data: string; log: unknown[] } {
  if (line.kind !== 'task') return { data: line.text, log: [] };
  const object = JSON.parse(line.text) as Record<string, unknown>;
  const log = Array.isArray(object.log) ? object.log : [];
  if ('log' in object) object.log = [];
  return { data: JSON.stringify(object), log };
}

/** How long a store that has reached the server keeps trying to reach it again, by default. */
const RECONNECT_WINDOW_MS = 30_000;

export class PostgresGraphStore implements WorkspaceStore {
  private readonly db: Database;
  private ready: Promise<void> | undefined;
  /** Set once the server answered: from then on a lost connection is waited out, not reported at once. */
  private reached = false;
  /**
   * The graph as this process last read or committed it. Valid while wg_version has not
   * moved, which costs one row to check instead of reading every record and log entry
   * again (a runner transacts for every claim and result). Never mutated: changes are
   * made on a copy, as on the file store.
   */
  private cached: Snapshot | undefined;

  constructor(
    private readonly url: string,
    private readonly reconnectWindowMs = RECONNECT_WINDOW_MS,
  ) {
    this.db = connect(url);
  }

  /**
   * `work`, tried again on a new connection while the server cannot be reached, for up to
   * the reconnect window; a command that never reached the server fails at once instead.
   */
  private async reconnecting<T>(work: () => Promise<T>): Promise<T> {
    const value = await pRetry(work, {
      ...RECONNECT_BACKOFF,
      retries: Infinity,
      maxRetryTime: this.reconnectWindowMs,
      // Never reached: a wrong URL or a server that is down, not one restarting under us.
      shouldRetry: ({ error }) => this.reached && isConnectionLost(error),
    });
    this.reached = true;
    return value;
  }

  /** Create or upgrade the schema (wg init does this; every other command only checks that it is there). */
  async migrate(): Promise<number> {
    return this.guard(() => migrate(this.db));
  }

  /** The schema is there (and brought up to date if an older wg made it). */
  private async schemaReady(): Promise<void> {
    this.ready ??= this.guard(async () => {
      const [table] = await this.db.query<{ name: string | null }>("SELECT to_regclass('wg_migrations') AS name");
      if (!table?.name)
        throw unavailable(new Error('this database holds no workgraph (run wg init --store URL)'), this.url);
      const [applied] = await this.db.query<{ version: number | null }>(
        'SELECT max(version) AS version FROM wg_migrations',
      );
      if ((applied?.version ?? 0) < LATEST_VERSION) await migrate(this.db);
      this.reached = true;
    });
    return this.ready;
  }

  /** The snapshot at `version`: the cached one if it is still current, else read anew (and cached). */
  private async snapshotAt(db: Queryable, version: string): Promise<Snapshot> {
    if (this.cached?.version === version) return this.cached;
    this.cached = await readSnapshot(db, version);
    return this.cached;
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw unavailable(error, this.url);
    }
  }

  async parse(): Promise<ParsedGraph> {
    await this.schemaReady();
    return this.guard(() =>
      this.reconnecting(async () => {
        // One row says whether the cached graph is current; only if not is everything read, in one consistent snapshot.
        if (this.cached && (await currentVersion(this.db)) === this.cached.version) return this.cached.parsed;
        return this.db.transaction(async (tx) => (await this.snapshotAt(tx, await currentVersion(tx))).parsed, {
          readOnly: true,
        });
      }),
    );
  }

  async load(): Promise<Graph> {
    const parsed = await this.parse();
    if (parsed.problems.length > 0) throw new GraphFileError(parsed.problems);
    return parsed.graph;
  }

  /** Computed each time: there is no file identity to key a cache on. */
  async derived<T>(_name: string, compute: (graph: Graph) => T): Promise<T> {
    return compute(await this.load());
  }

  /**
   * One database transaction. If the connection is lost, the change runs again on a new
   * one, unless the lost transaction did commit (the connection can die after COMMIT was
   * sent): its id is asked of the server (`txid_status`), so a change is never applied twice.
   */
  async transact<T>(change: (graph: Graph) => T | Promise<T>): Promise<T> {
    await this.schemaReady();
    let failure: unknown;
    let sent: { xid: string; result: T } | undefined;
    const attempt = async (): Promise<T> => {
      if (sent && (await this.committed(sent.xid))) return sent.result;
      sent = undefined;
      let result: T;
      let committed: Snapshot | undefined;
      await this.db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [GRAPH_LOCK_KEY]);
        const snapshot = await this.snapshotAt(tx, await currentVersion(tx));
        if (snapshot.parsed.problems.length > 0) throw new GraphFileError(snapshot.parsed.problems);
        const draft = copyGraph(snapshot.parsed.graph);
        try {
          result = await change(draft);
        } catch (error) {
          // The change's own error (a refused transition), not the database's: keep it as it is.
          failure = error;
          throw error;
        }
        const rendered = renderGraph(draft, snapshot.parsed.lines);
        if (rendered.changed) {
          const next = await writeChanges(tx, snapshot, draft, rendered.lines);
          await notifyChange(tx);
          // The triggers on the tables advanced the version with every statement.
          const [row] = await tx.query<{ xid: string; version: string }>(
            'SELECT txid_current()::text AS xid, version::text AS version FROM wg_version',
          );
          committed = { ...next, version: row!.version };
          sent = { xid: row!.xid, result };
        }
      });
      if (committed) this.cached = committed;
      return result!;
    };
    try {
      return await this.reconnecting(async () => {
        try {
          return await attempt();
        } catch (error) {
          // Whatever this process read or wrote may not be what the server now holds.
          this.cached = undefined;
          throw error;
        }
      });
    } catch (error) {
      if (failure !== undefined) throw failure;
      throw unavailable(error, this.url);
    }
  }

  /** Whether the transaction `xid` committed; waits while the server still has it in progress. */
  private async committed(xid: string): Promise<boolean> {
    for (;;) {
      const [row] = await this.db.query<{ status: string | null }>('SELECT txid_status($1::bigint) AS status', [xid]);
      if (row?.status !== 'in progress') return row?.status === 'committed';
      await pause(50);
    }
  }

  /** The graph in upstream graph.jsonl form, log entries included. */
  async exportText(): Promise<string> {
    return graphText((await this.parse()).lines);
  }

  /** Replace everything with the records of `parsed` (a graph.jsonl read and validated by the caller). */
  async replaceAll(parsed: ParsedGraph): Promise<void> {
    await this.schemaReady();
    await this.guard(() =>
      this.db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [GRAPH_LOCK_KEY]);
        await tx.query('DELETE FROM wg_log');
        await tx.query('DELETE FROM wg_records');
        await insertLines(tx, parsed.lines, 1, new Map());
        await notifyChange(tx);
        this.cached = undefined;
      }),
    );
  }

  /** LISTEN on the change channel, on a connection that is opened again when the server drops it. */
  async watch(onChange: () => void): Promise<() => Promise<void>> {
    await this.schemaReady();
    return this.guard(() => this.db.listen(CHANGE_CHANNEL, onChange));
  }

  async close(): Promise<void> {
    await this.db.end();
  }
}

/** Every committed change is announced on this channel; NOTIFY is delivered only if the transaction commits. */
const CHANGE_CHANNEL = 'wg_changes';

async function notifyChange(tx: Queryable): Promise<void> {
  await tx.query("SELECT pg_notify($1, '')", [CHANGE_CHANNEL]);
}

async function insertLines(
  tx: Queryable,
  lines: readonly SourceLine[],
  firstPosition: number,
  storedLogs: ReadonlyMap<string, number>,
): Promise<void> {
  let position = firstPosition;
  for (const line of lines) {
    const { data, log } = rowData(line);
    await tx.query('INSERT INTO wg_records (position, kind, id, data) VALUES ($1, $2, $3, $4::text::json)', [
      position++,
      line.kind ?? kindOf(line.text),
      line.id,
      data,
    ]);
    await appendLog(tx, line.id, log, storedLogs.get(line.id) ?? 0);
  }
}

function kindOf(text: string): string {
  const kind = (JSON.parse(text) as { kind?: unknown }).kind;
  return typeof kind === 'string' ? kind : 'unknown';
}

async function appendLog(tx: Queryable, taskId: string, log: unknown[], stored: number): Promise<void> {
  if (log.length < stored) {
    // Entries are only ever appended; a shorter log means someone rewrote it: store it as it now is.
    await tx.query('DELETE FROM wg_log WHERE task_id = $1', [taskId]);
    stored = 0;
  }
  const entries = log.slice(stored).map((entry) => JSON.stringify(entry));
  if (entries.length > 0)
    await tx.query(
      'INSERT INTO wg_log (task_id, entry) SELECT $1, e::json FROM unnest($2::text[]) WITH ORDINALITY AS t(e, n) ORDER BY n',
      [taskId, entries],
    );
}

/**
 * Write what `renderGraph` changed: rewritten rows in place, dropped rows deleted, new rows
 * appended. Returns what the tables then hold, as the snapshot the next transaction may
 * start from (`graph` and `lines` are the transaction's own, now committed).
 */
async function writeChanges(
  tx: Queryable,
  snapshot: Snapshot,
  graph: Graph,
  lines: readonly SourceLine[],
): Promise<Omit<Snapshot, 'version'>> {
  const kept = new Set<number>();
  const appended: SourceLine[] = [];
  const original = snapshot.parsed.lines;
  const byLineNo = new Map(original.map((line) => [line.lineNo, line]));
  for (const line of lines) {
    if (line.lineNo === 0) {
      appended.push(line);
      continue;
    }
    const position = snapshot.positions[line.lineNo - 1]!;
    kept.add(position);
    if (byLineNo.get(line.lineNo) === line) continue;
    const { data, log } = rowData(line);
    await tx.query('UPDATE wg_records SET data = $1::text::json WHERE position = $2', [data, position]);
    if (line.kind === 'task') await appendLog(tx, line.id, log, snapshot.storedLogs.get(line.id) ?? 0);
  }
  const dropped = snapshot.positions.filter((position) => !kept.has(position));
  if (dropped.length > 0) await tx.query('DELETE FROM wg_records WHERE position = ANY($1::bigint[])', [dropped]);
  const droppedTasks = original
    .filter((line) => line.kind === 'task' && !kept.has(snapshot.positions[line.lineNo - 1]!))
    .map((line) => line.id);
  if (droppedTasks.length > 0) await tx.query('DELETE FROM wg_log WHERE task_id = ANY($1::text[])', [droppedTasks]);
  const last = snapshot.positions.reduce((max, position) => Math.max(max, position), 0);
  await insertLines(tx, appended, last + 1, snapshot.storedLogs);

  const storedLogs = new Map(snapshot.storedLogs);
  for (const id of droppedTasks) storedLogs.delete(id);
  const positions: number[] = [];
  const nextLines: SourceLine[] = [];
  let appendedAt = last + 1;
  for (const [index, line] of lines.entries()) {
    const rewritten = line.lineNo === 0 || byLineNo.get(line.lineNo) !== line;
    if (line.kind === 'task' && rewritten) storedLogs.set(line.id, rowData(line).log.length);
    positions.push(line.lineNo === 0 ? appendedAt++ : snapshot.positions[line.lineNo - 1]!);
    // Line numbers index `positions`, so they count anew from 1 in the snapshot's order.
    nextLines.push(line.lineNo === index + 1 ? line : { ...line, lineNo: index + 1 });
  }
  return { parsed: { graph, lines: nextLines, problems: [] }, positions, storedLogs };
}
