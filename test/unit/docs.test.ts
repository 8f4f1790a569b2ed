/** The README stays a five-minute read, and no page of docs/ is left where nobody finds it. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/wg.js';

const read = (...path: string[]) => readFileSync(join(REPO_ROOT, ...path), 'utf8');
const pages = (folder: string) => readdirSync(join(REPO_ROOT, folder)).filter((name) => name.endsWith('.md'));

describe('docs', () => {
  it('the README is at most 250 lines and links every page of docs/', () => {
    const readme = read('README.md');
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
    const unlinked = pages('docs').filter((page) => !readme.includes(`docs/${page}`));
    expect(unlinked).toEqual([]);
  });

  it('docs/decisions/README.md links every decision', () => {
    const index = read('docs', 'decisions', 'README.md');
    const unlinked = pages('docs/decisions').filter((page) => page !== 'README.md' && !index.includes(`(${page})`));
    expect(unlinked).toEqual([]);
  });
});
