/**
 * graph.jsonl <-> Graph. Parsing remembers, for every line, its original text and key
 * order, so a rewrite reproduces untouched records byte for byte and keeps the fields
 * and kinds it does not know.
 */
import type { z } from 'zod';
import { emptyGraph, type Graph } from '../graph/model.js';
import { knownFields, RECORD_KINDS, SCHEMA_BY_KIND, SPARSE_DEFAULTS, type RecordKind } from '../graph/schema.js';

/** Later upstream format names: `after` means `blocked_by`, `before` means `blocks`. */
const ALIASES: Record<string, string> = { after: 'blocked_by', before: 'blocks' };

export interface SourceLine {
  /** `task:ID`, `actor:ID`, `resource:ID`; undefined for kinds we do not know (kept verbatim). */
  key: string | undefined;
  text: string;
  /** The record object parsed from this line: identity tells whether it changed. */
  record: object | undefined;
  keyOrder: string[];
  /** Canonical field name -> the alias this line used for it. */
  aliases: Record<string, string>;
}

export interface ParsedGraph {
  graph: Graph;
  lines: SourceLine[];
  problems: string[];
}

export function recordKey(kind: RecordKind, id: string): string {
  return `${kind}:${id}`;
}

function isKnownKind(kind: unknown): kind is RecordKind {
  return typeof kind === 'string' && (RECORD_KINDS as readonly string[]).includes(kind);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      return `${where}${issue.message}`;
    })
    .join('; ');
}

/** Parse the whole file. Problems are `NAME:LINE: reason`; the graph holds every valid record. */
export function parseGraph(text: string, fileName = 'graph.jsonl'): ParsedGraph {
  const graph = emptyGraph();
  const lines: SourceLine[] = [];
  const problems: string[] = [];
  const firstLine = new Map<string, number>();
  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const lineNo = i + 1;
    if (row.trim() === '') continue;
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
    const object = raw as Record<string, unknown>;
    const kind = object.kind;
    if (kind === undefined) {
      fail('missing "kind" (task, actor or resource)');
      continue;
    }
    if (!isKnownKind(kind)) {
      lines.push({ key: undefined, text: row, record: undefined, keyOrder: [], aliases: {} });
      continue;
    }
    const keyOrder = Object.keys(object);
    const aliases: Record<string, string> = {};
    const fields: Record<string, unknown> = {};
    for (const name of keyOrder) {
      if (name === 'kind') continue;
      const canonical = (kind === 'task' ? ALIASES[name] : undefined) ?? name;
      if (canonical !== name) aliases[canonical] = name;
      fields[canonical] = mergeAliased(fields[canonical], object[name]);
    }
    const result = SCHEMA_BY_KIND[kind].safeParse(fields);
    const label = typeof fields.id === 'string' ? `${kind} "${fields.id}"` : kind;
    if (!result.success) {
      fail(`${label}: ${describeIssues(result.error)}`);
      continue;
    }
    const record = result.data;
    const key = recordKey(kind, record.id);
    const seenAt = firstLine.get(key);
    if (seenAt !== undefined) {
      fail(`duplicate ${kind} id "${record.id}" (first on line ${seenAt})`);
      continue;
    }
    firstLine.set(key, lineNo);
    mapFor(graph, kind).set(record.id, record as never);
    lines.push({ key, text: row, record, keyOrder, aliases });
  }
  return { graph, lines, problems };
}

/** `after` and `blocked_by` on one line both count: their lists are joined. */
function mergeAliased(existing: unknown, value: unknown): unknown {
  if (existing === undefined) return value;
  if (Array.isArray(existing) && Array.isArray(value)) return [...new Set([...existing, ...value])];
  return value;
}

function mapFor(graph: Graph, kind: RecordKind): Map<string, object> {
  return kind === 'task' ? graph.tasks : kind === 'actor' ? graph.actors : graph.resources;
}

function isUnset(kind: RecordKind, name: string, value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (!knownFields(kind).has(name)) return false;
  if (Array.isArray(value) && value.length === 0) return true;
  if (value === '') return true;
  return SPARSE_DEFAULTS[kind][name] === value;
}

/** One sparse line: `kind` first, then the original key order, then new fields. */
export function serializeRecord(kind: RecordKind, record: object, source?: Pick<SourceLine, 'keyOrder' | 'aliases'>): string {
  const fields = record as Record<string, unknown>;
  const out: Record<string, unknown> = { kind };
  const aliasFor = source?.aliases ?? {};
  const canonicalOf = Object.fromEntries(Object.entries(aliasFor).map(([canonical, alias]) => [alias, canonical]));
  const order = [...(source?.keyOrder ?? []).map((name) => canonicalOf[name] ?? name), ...Object.keys(fields)];
  for (const name of order) {
    if (name === 'kind' || !(name in fields)) continue;
    const outName = aliasFor[name] ?? name;
    if (outName in out) continue;
    const value = fields[name];
    if (isUnset(kind, name, value)) continue;
    out[outName] = value;
  }
  return JSON.stringify(out);
}

/**
 * The new file text: existing lines in their order (untouched records verbatim,
 * changed ones re-serialized, deleted ones dropped), then new records.
 */
export function renderGraph(graph: Graph, lines: readonly SourceLine[]): string {
  const out: string[] = [];
  const written = new Set<string>();
  for (const line of lines) {
    if (line.key === undefined) {
      out.push(line.text);
      continue;
    }
    const kind = line.key.slice(0, line.key.indexOf(':')) as RecordKind;
    const id = line.key.slice(kind.length + 1);
    const record = mapFor(graph, kind).get(id);
    written.add(line.key);
    if (!record) continue;
    out.push(record === line.record ? line.text : serializeRecord(kind, record, line));
  }
  for (const kind of RECORD_KINDS) {
    for (const [id, record] of mapFor(graph, kind)) {
      if (!written.has(recordKey(kind, id))) out.push(serializeRecord(kind, record));
    }
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** Whether any record was replaced, added or removed since `loaded`. */
export function graphChanged(next: Graph, loaded: Graph): boolean {
  if (next.tasks.size !== loaded.tasks.size || next.actors.size !== loaded.actors.size || next.resources.size !== loaded.resources.size) return true;
  for (const kind of RECORD_KINDS) {
    const before = mapFor(loaded, kind);
    for (const [id, record] of mapFor(next, kind)) if (before.get(id) !== record) return true;
  }
  return false;
}
