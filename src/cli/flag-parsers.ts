/**
 * Parsers for flags that many commands share. Apart from task-flags.ts and setting-flags.ts
 * because those load the settings table and the graph's zod schemas: `wg list` only wants
 * `collect`, and every `wg` process that loads zod pays ~0.1 CPU-second for it.
 */
import { InvalidArgumentError } from 'commander';
import { count, nonNegativeNumber } from '../config/flag-values.js';
import { InvalidInputError } from '../errors.js';
import { parseDuration } from '../graph/duration.js';

/** A value check of config/flag-values.ts as a commander parser: its refusal becomes commander's "argument is invalid". */
export function asFlagParser<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      if (error instanceof InvalidInputError) throw new InvalidArgumentError(error.message);
      throw error;
    }
  };
}

/** Repeatable flags that also accept comma lists: `--tag a,b --tag c`. */
export function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0),
  ];
}

export const parseNumber = asFlagParser(nonNegativeNumber);

export function parseDurationFlag(value: string): number {
  try {
    return parseDuration(value);
  } catch {
    throw new InvalidArgumentError('expected a duration like 90s, 30m or 2h');
  }
}

export const parseCount = asFlagParser(count);
