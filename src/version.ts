import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** wg's version, from package.json, so a release needs no second place to bump. */
export function packageVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;
  return cached;
}
