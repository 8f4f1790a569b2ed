import { InvalidInputError } from '../errors.js';
import { DURATION_PATTERN } from './types.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `30m`, `2h`, `1h30m`, `250ms`, or a bare number of seconds, in milliseconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (!DURATION_PATTERN.test(trimmed)) throw new InvalidInputError(`"${text}" is not a duration like 90s, 30m or 2h`);
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  let total = 0;
  for (const match of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(match[1]) * UNIT_MS[match[2]!]!;
  return Math.round(total);
}
