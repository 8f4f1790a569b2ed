/** Helpers for backends whose programs print one JSON object per line. */
import { capText } from './lines.js';

export type JsonObject = Record<string, unknown>;

/** The line as a JSON object, or undefined when it is not one (a banner, a warning). */
export function parseJsonObject(line: string): JsonObject | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}

export function asObject(value: unknown): JsonObject | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Input keys that say best what a tool call does, in order of preference. */
const TELLING_KEYS = ['command', 'cmd', 'file_path', 'path', 'pattern', 'url', 'query', 'description', 'prompt'];

/** One line saying what a tool call does: `npm test`, `src/a.ts`, else its input as JSON. */
export function summarizeToolInput(input: unknown, max = 200): string {
  const object = asObject(input);
  if (!object) return capText(input === undefined ? '' : JSON.stringify(input), max);
  for (const key of TELLING_KEYS) {
    const value = object[key];
    if (typeof value === 'string' && value.trim() !== '') return capText(value.trim().replace(/\s+/g, ' '), max);
  }
  return capText(JSON.stringify(object), max);
}
