import { InvalidInputError } from '../errors.js';
import { idProblem } from './types.js';

/** As upstream: lowercase, every non-alphanumeric character becomes `-`, first three words. */
export function slugFromTitle(title: string): string {
  const words = title
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '-')
    .split('-')
    .filter((word) => word.length > 0);
  return words.slice(0, 3).join('-') || 'task';
}

/** The slug of `title`, or `slug-2`, `slug-3`, ... when it is taken. */
export function uniqueIdFromTitle(title: string, taken: (id: string) => boolean): string {
  const base = slugFromTitle(title);
  if (!taken(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!taken(candidate)) return candidate;
  }
}

export function assertValidId(id: string): void {
  const problem = idProblem(id);
  if (problem) throw new InvalidInputError(problem);
}
