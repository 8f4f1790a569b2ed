import { readFileSync } from 'node:fs';
import { packagePath } from './system/package-root.js';

let cached: string | undefined;

/** wg's version, from package.json, so a release needs no second place to bump. */
export function packageVersion(): string {
  cached ??= (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
  return cached;
}
