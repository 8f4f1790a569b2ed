/**
 * The graph in PostgreSQL, shared by runners and agents on any number of machines. It
 * keeps the two calls every command uses (`load`, `transact`) and the upstream format:
 * each record is a row holding its upstream JSON, read back through the same parser as a
 * graph.jsonl line, so validation, aliases, unknown fields and unknown kinds behave the
 * same on both stores. A transaction takes one advisory lock, so changes are serialized
 * across machines; every change is one database transaction; a task's new log entries
 * are appended to `wg_log`, never rewritten.
 */
import type { Sql, TransactionSql } from 'postgres';
import { GraphFileError } from '../errors.js';
import { copyGraph, type Graph } from '../graph/model.js';
import { graphText, parseGraph, renderGraph, type ParsedGraph, type SourceLine } from '../store/jsonl.js';
import type { WorkspaceStore } from '../store/store.js';
import { connect, unavailable } from './connect.js';
import { GRAPH_LOCK_KEY, migrate } from './schema.js';

/** What a read saw, besides the graph: where each line is stored and how many log entries each task has there. */
interface Snapshot {
  parsed: ParsedGraph;
  /** positions[lineNo - 1]: the row that line came from. */
  positions: number[];
  storedLogs: Map<string, number>;
}

type Queryable = Sql | TransactionSql;

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

async function readSnapshot(db: Queryable): Promise<Snapshot> {
  const rows = await db<Array<{ position: string; kind: string; id: string; data: string }>>`SELECT position, kind, id, data::text AS data FROM wg_records ORDER BY position`;
  const logRows = await db<Array<{ task_id: string; entry: string }>>`SELECT task_id, entry::text AS entry FROM wg_log ORDER BY seq`;
  const logs = new Map<string, string[]>();
  for (const row of logRows) {
    const entries = logs.get(row.task_id) ?? [];
    entries.push(row.entry);
    logs.set(row.task_id, entries);
  }
  const text = rows.map((row) => (row.kind === 'task' ? withLog(row.data, logs.get(row.id)) : row.data)).join('\n');
  const { recordProblem } = await import('../graph/schema.js');
  const parsed = parseGraph(text === '' ? '' : `${text}\n`, recordProblem, 'store');
  const storedLogs = new Map([...logs].map(([id, entries]) => [id, entries.length]));
  return { parsed, positions: rows.map((row) => Number(row.position)), storedLogs };
}

/** A record's row JSON: the line's object with its log emptied (the entries live in wg_log). */
function rowData(line: SourceLine): { data: string; log: unknown[] } {
  if (line.kind !== 'task') return { data: line.text, log: [] };
  const object = JSON.parse(line.text) as Record<string, unknown>;
  const log = Array.isArray(object.log) ? object.log : [];
  if ('log' in object) object.log = [];
  return { data: JSON.stringify(object), log };
}

export class PostgresGraphStore implements WorkspaceStore {
  private readonly sql: Sql;
  private ready: Promise<void> | undefined;

  constructor(private readonly url: string) {
    this.sql = connect(url);
  }

  /** Create or upgrade the schema (wg init does this; every other command only checks that it is there). */
  async migrate(): Promise<number> {
    return this.guard(() => migrate(this.sql));
  }

  private async schemaReady(): Promise<void> {
    this.ready ??= this.guard(async () => {
      const [table] = await this.sql`SELECT to_regclass('wg_records') AS name`;
      if (!table?.name) throw unavailable(new Error('this database holds no workgraph (run wg init --store URL)'), this.url);
    });
    return this.ready;
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
    return this.guard(async () => (await readSnapshot(this.sql)).parsed);
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

  async transact<T>(change: (graph: Graph) => T | Promise<T>): Promise<T> {
    await this.schemaReady();
    let result: T;
    let failure: unknown;
    try {
      await this.sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(${GRAPH_LOCK_KEY})`;
        const snapshot = await readSnapshot(tx);
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
        if (rendered.changed) await writeChanges(tx, snapshot, rendered.lines);
      });
    } catch (error) {
      if (failure !== undefined) throw failure;
      throw unavailable(error, this.url);
    }
    return result!;
  }

  /** The graph in upstream graph.jsonl form, log entries included. */
  async exportText(): Promise<string> {
    return graphText((await this.parse()).lines);
  }

  /** Replace everything with the records of `parsed` (a graph.jsonl read and validated by the caller). */
  async replaceAll(parsed: ParsedGraph): Promise<void> {
    await this.schemaReady();
    await this.guard(() =>
      this.sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(${GRAPH_LOCK_KEY})`;
        await tx`DELETE FROM wg_log`;
        await tx`DELETE FROM wg_records`;
        await insertLines(tx, parsed.lines, 1, new Map());
      }),
    );
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }
}

async function insertLines(tx: TransactionSql, lines: readonly SourceLine[], firstPosition: number, storedLogs: ReadonlyMap<string, number>): Promise<void> {
  let position = firstPosition;
  for (const line of lines) {
    const { data, log } = rowData(line);
    await tx`INSERT INTO wg_records (position, kind, id, data) VALUES (${position++}, ${line.kind ?? kindOf(line.text)}, ${line.id}, ${data}::text::json)`;
    await appendLog(tx, line.id, log, storedLogs.get(line.id) ?? 0);
  }
}

function kindOf(text: string): string {
  const kind = (JSON.parse(text) as { kind?: unknown }).kind;
  return typeof kind === 'string' ? kind : 'unknown';
}

async function appendLog(tx: TransactionSql, taskId: string, log: unknown[], stored: number): Promise<void> {
  if (log.length < stored) {
    // Entries are only ever appended; a shorter log means someone rewrote it: store it as it now is.
    await tx`DELETE FROM wg_log WHERE task_id = ${taskId}`;
    stored = 0;
  }
  for (const entry of log.slice(stored)) await tx`INSERT INTO wg_log (task_id, entry) VALUES (${taskId}, ${JSON.stringify(entry)}::text::json)`;
}

/** Write what `renderGraph` changed: rewritten rows in place, dropped rows deleted, new rows appended. */
async function writeChanges(tx: TransactionSql, snapshot: Snapshot, lines: readonly SourceLine[]): Promise<void> {
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
    await tx`UPDATE wg_records SET data = ${data}::text::json WHERE position = ${position}`;
    if (line.kind === 'task') await appendLog(tx, line.id, log, snapshot.storedLogs.get(line.id) ?? 0);
  }
  const dropped = snapshot.positions.filter((position) => !kept.has(position));
  if (dropped.length > 0) await tx`DELETE FROM wg_records WHERE position = ANY(${dropped})`;
  const droppedTasks = original.filter((line) => line.kind === 'task' && !kept.has(snapshot.positions[line.lineNo - 1]!)).map((line) => line.id);
  if (droppedTasks.length > 0) await tx`DELETE FROM wg_log WHERE task_id = ANY(${droppedTasks})`;
  const last = Math.max(0, ...snapshot.positions);
  await insertLines(tx, appended, last + 1, snapshot.storedLogs);
}
