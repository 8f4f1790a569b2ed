/**
 * How a command-line flag's text becomes a setting's value. Each returns the value as
 * config.toml holds it (a duration stays text like "30s"), so a flag simply takes the
 * place of the setting it mirrors; a bad value throws InvalidInputError, which the CLI
 * reports as commander's "argument is invalid".
 */
import { InvalidInputError } from '../errors.js';
import { DURATION_PATTERN } from '../graph/types.js';

export function nonNegativeNumber(text: string): number {
  const number = Number(text);
  if (text.trim() === '' || !Number.isFinite(number) || number < 0)
    throw new InvalidInputError('expected a non-negative number');
  return number;
}

export function count(text: string): number {
  const number = nonNegativeNumber(text);
  if (!Number.isInteger(number)) throw new InvalidInputError('expected a whole number');
  return number;
}

/** `[run] loop_limit`: 0 (off), or at least 2 (one call is no repetition). */
export function loopLimit(text: string): number {
  const number = count(text);
  if (number === 1) throw new InvalidInputError('expected 0 (off) or at least 2');
  return number;
}

export function positiveCount(text: string): number {
  const number = count(text);
  if (number < 1) throw new InvalidInputError('expected at least 1');
  return number;
}

/** A duration as config.toml writes it: `90s`, `30m`, `2h`, `1h30m`. */
export function durationText(text: string): string {
  const trimmed = text.trim();
  if (!DURATION_PATTERN.test(trimmed)) throw new InvalidInputError('expected a duration like 90s, 30m or 2h');
  return trimmed;
}

/** One of `choices`; the message lists them: "expected auto, fail or continue". */
export function oneOf<const T extends string>(choices: readonly T[]): (text: string) => T {
  const listed = `${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}`;
  return (text) => {
    const found = choices.find((choice) => choice === text);
    if (found === undefined) throw new InvalidInputError(`expected ${listed}`);
    return found;
  };
}
