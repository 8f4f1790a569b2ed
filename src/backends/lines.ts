/** Helpers shared by backends whose output is plain text lines. */
import type { AgentEvent } from './types.js';

/** Events end up in logs and status lines; a program that prints a whole file on one line must not flood them. */
export const MAX_EVENT_TEXT = 500;

export function capText(text: string, max = MAX_EVENT_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A non-empty output line as a progress event (trimmed and capped); blank lines report nothing. */
export function progressFromLine(line: string): AgentEvent[] {
  const message = line.trim();
  return message === '' ? [] : [{ type: 'progress', message: capText(message) }];
}
