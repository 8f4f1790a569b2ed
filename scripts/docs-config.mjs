/**
 * `npm run docs:config`: remake the settings tables of docs/configuration.md from
 * src/config/settings.ts (through the build in dist/). The prose around them is kept.
 * test/unit/settings.test.ts fails while the page differs from what this writes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configurationDoc } from '../dist/config/config-docs.js';

const page = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'configuration.md');
const before = readFileSync(page, 'utf8');
const after = configurationDoc(before);
if (after === before) console.log('docs/configuration.md is up to date');
else {
  writeFileSync(page, after);
  console.log('docs/configuration.md written from src/config/settings.ts');
}
