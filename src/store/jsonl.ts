/**
 * graph.jsonl <-> Graph. Every line keeps its original text, and every record is the
 * object JSON.parse produced (key order included), so a rewrite reproduces untouched
 * records byte for byte, keeps changed ones in their key order, and never drops a
 * field or a kind it does not know.
 */
import { emptyGraph, type Graph } from '../graph/model.js';
import {
  canonicalStatus,
  KNOWN_FIELDS,
  RECORD_KINDS,
  SPARSE_DEFAULTS,
  TASK_STATUSES,
  type RecordKind,
  type TaskStatus,
} from '../graph/types.js';

/** Later upstream format names: `after` means `blocked_by`, `before` means `blocks`. */
const ALIASES: Record<string, string> = { after: 'blocked_by', before: 'blocks' };

export interface SourceLine {
  /** undefined for kinds we do not know (the line is kept verbatim). */
  kind: RecordKind | undefined;
  id: string;
  /** 1-based line number in the file this was read from (0 for records not read from a file). */
  lineNo: number;
  text: string;
  /** `text` and its newline as UTF-8, encoded the first time the line is written and reused after. */
  bytes?: Buffer;
  /** The record parsed from this line: identity tells whether it changed. */
  record: object | undefined;
  /** Canonical field name -> the alias this line used for it (rare: later-format graphs). */
  aliases?: Record<string, string>;
}

/** Says why a record is invalid, or returns undefined. Supplied by the store (zod). */
export type RecordValidator = (kind: RecordKind, record: Record<string, unknown>) => string | undefined;

export interface ParsedGraph {
  graph: Graph;
  lines: SourceLine[];
  problems: string[];
}

export function recordKey(kind: RecordKind, id: string): string {
  return `${kind}:${id}`;
}

function isKnownKind(kind: unknown): kind is RecordKind {
  return kind === 'task' || kind === 'actor' || kind === 'resource';
}

/** Rename alias keys in place of their position; `after` + `blocked_by` on one line are joined. */
export function normalizeAliases(object: Record<string, unknown>): {
  record: Record<string, unknown>;
  aliases?: Record<string, string>;
} {
  if (!('after' in object) && !('before' in object)) return { record: object };
  const aliases: Record<string, string> = {};
  const record: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(object)) {
    const canonical = ALIASES[name] ?? name;
    if (canonical !== name) aliases[canonical] = name;
    const existing = record[canonical];
    record[canonical] = Array.isArray(existing) && Array.isArray(value) ? [...new Set([...existing, ...value])] : value;
  }
  return { record, aliases };
}

/**
 * A task's status as upstream spells it at times (`FailedPendingEval`, `in_progress`) in
 * its canonical name, so it validates; the line itself is written back as it was unless
 * the task changes (and then with the canonical name, which upstream reads too).
 */
function withCanonicalStatus(kind: RecordKind, record: Record<string, unknown>): Record<string, unknown> {
  const status = record.status;
  if (kind !== 'task' || typeof status !== 'string' || (TASK_STATUSES as readonly string[]).includes(status))
    return record;
  const canonical = canonicalStatus(status);
  return canonical === undefined ? record : { ...record, status: canonical };
}

/**
 * Parse the whole file. Problems are `NAME:LINE: reason`. `validate` is skipped when
 * the store knows this exact content already passed validation.
 */
export function parseGraph(text: string, validate: RecordValidator | undefined, fileName = 'graph.jsonl'): ParsedGraph {
  const graph = emptyGraph();
  const archived = new Map<string, TaskStatus>();
  const lines: SourceLine[] = [];
  const problems: string[] = [];
  let lineNo = 0;
  for (const row of text.split('\n')) {
    lineNo++;
    if (row.length === 0 || (row.charCodeAt(0) <= 32 && row.trim() === '')) continue;
    const fail = (reason: string) => problems.push(`${fileName}:${lineNo}: ${reason}`);
    let raw: unknown;
    try {
      raw = JSON.parse(row);
    } catch (error) {
      fail(`invalid JSON (${(error as Error).message})`);
      continue;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      fail('not a JSON object');
      continue;
    }
    const kind = (raw as { kind?: unknown }).kind;
    if (kind === undefined) {
      fail('missing "kind" (task, actor or resource)');
      continue;
    }
    if (!isKnownKind(kind)) {
      lines.push({ kind: undefined, id: '', lineNo, text: row, record: undefined });
      if (kind === 'archivedboundary') noteArchived(archived, raw as Record<string, unknown>);
      continue;
    }
    const normalized = normalizeAliases(raw as Record<string, unknown>);
    const { aliases } = normalized;
    const record = withCanonicalStatus(kind, normalized.record);
    const id = record.id;
    const problem = typeof id !== 'string' ? 'id: missing or not a string' : validate?.(kind, record);
    if (problem !== undefined) {
      fail(`${typeof id === 'string' ? `${kind} "${id}"` : kind}: ${problem}`);
      continue;
    }
    const records = mapFor(graph, kind);
    if (records.has(id as string)) {
      const first = lines.find((line) => line.kind === kind && line.id === id)?.lineNo;
      fail(`duplicate ${kind} id "${id}" (first on line ${first})`);
      continue;
    }
    records.set(id as string, record as never);
    const line: SourceLine = { kind, id: id as string, lineNo, text: row, record };
    if (aliases) line.aliases = aliases;
    lines.push(line);
  }
  return { graph: archived.size > 0 ? { ...graph, archived } : graph, lines, problems };
}

/** Upstream's marker of a task moved to its archive.jsonl: its id and status are all wg needs (see Graph.archived). */
function noteArchived(archived: Map<string, TaskStatus>, record: Record<string, unknown>): void {
  const status = typeof record.status === 'string' ? canonicalStatus(record.status) : undefined;
  if (typeof record.id === 'string' && status !== undefined) archived.set(record.id, status);
}

export function mapFor(graph: Graph, kind: RecordKind): Map<string, object> {
  return kind === 'task' ? graph.tasks : kind === 'actor' ? graph.actors : graph.resources;
}

const KNOWN = Object.fromEntries(RECORD_KINDS.map((kind) => [kind, new Set(KNOWN_FIELDS[kind])])) as Record<
  RecordKind,
  Set<string>
>;

function isUnset(kind: RecordKind, name: string, value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (!KNOWN[kind].has(name)) return false;
  if (Array.isArray(value) && value.length === 0) return true;
  if (value === '') return true;
  return SPARSE_DEFAULTS[kind][name] === value;
}

/** One sparse line: `kind` first, then the record's own key order (aliases written back as they were). */
export function serializeRecord(kind: RecordKind, record: object, aliases: Record<string, string> = {}): string {
  const out: Record<string, unknown> = { kind };
  for (const [name, value] of Object.entries(record)) {
    if (name === 'kind' || isUnset(kind, name, value)) continue;
    out[aliases[name] ?? name] = value;
  }
  return JSON.stringify(out);
}

/**
 * The lines of the new file: existing lines in their order (untouched records
 * verbatim, changed ones re-serialized, deleted ones dropped), then new records, and
 * whether anything changed at all. The store keeps these lines, so it never parses
 * what it wrote. Runs once per transaction over the whole graph, so it allocates
 * nothing per untouched line.
 */
export function renderGraph(graph: Graph, lines: readonly SourceLine[]): { lines: SourceLine[]; changed: boolean } {
  const out: SourceLine[] = [];
  let changed = false;
  const kept: Record<RecordKind, number> = { task: 0, actor: 0, resource: 0 };
  for (const line of lines) {
    if (line.kind === undefined) {
      out.push(line);
      continue;
    }
    const record = mapFor(graph, line.kind).get(line.id);
    if (!record) {
      changed = true;
      continue;
    }
    kept[line.kind]++;
    if (record === line.record) out.push(line);
    else {
      changed = true;
      // Not `...line`: that would carry the old text's cached bytes over.
      const rewritten: SourceLine = {
        kind: line.kind,
        id: line.id,
        lineNo: line.lineNo,
        text: serializeRecord(line.kind, record, line.aliases),
        record,
      };
      if (line.aliases) rewritten.aliases = line.aliases;
      out.push(rewritten);
    }
  }
  for (const kind of RECORD_KINDS) {
    const records = mapFor(graph, kind);
    // Every record of this kind is on a line already: nothing to append.
    if (records.size === kept[kind]) continue;
    changed = true;
    const onFile = new Set(lines.filter((line) => line.kind === kind).map((line) => line.id));
    for (const [id, record] of records) {
      if (!onFile.has(id)) out.push({ kind, id, lineNo: 0, text: serializeRecord(kind, record), record });
    }
  }
  return { lines: out, changed };
}

export function graphText(lines: readonly SourceLine[]): string {
  return lines.length === 0 ? '' : `${lines.map((line) => line.text).join('\n')}\n`;
}

/**
 * The file's bytes. Each line is encoded once and its bytes reused by every later
 * write, so a runner transaction on a 10k-task graph copies 4 MB instead of joining
 * a 4 MB string and encoding it again.
 */
export function graphBytes(lines: readonly SourceLine[]): Buffer {
  return Buffer.concat(lines.map((line) => (line.bytes ??= Buffer.from(`${line.text}\n`))));
}
