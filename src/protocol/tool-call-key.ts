/**
 * A tool call's whole input, reduced to a short key: the same call gives the same key
 * whatever the order of its input's fields or the spacing of its strings. Backends put it
 * on `tool` events (`input`), so the runner can tell an agent repeating itself from one
 * making different calls that read alike (five edits of one file).
 */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted and runs of whitespace in strings collapsed. */
function canonical(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.trim().replace(/\s+/g, ' '));
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonical(field)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** A hash, not the input itself: events.jsonl stays small and holds no file contents. */
export function toolCallKey(input: unknown): string {
  return createHash('sha256').update(canonical(input)).digest('hex').slice(0, 16);
}
