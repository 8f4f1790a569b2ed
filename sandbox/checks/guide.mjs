// The acceptance check of write-guide: every function src/index.js exports has its own
// section in docs/guide.md, so the guide cannot silently fall behind the code.
import { readFileSync } from 'node:fs';
import * as textkit from '../src/index.js';

const guide = readFileSync(new URL('../docs/guide.md', import.meta.url), 'utf8');
const missing = Object.keys(textkit).filter((name) => !new RegExp(`^## \`?${name}\\b`, 'm').test(guide));
if (missing.length > 0) {
  console.log(`docs/guide.md has no section for ${missing.join(', ')}`);
  process.exit(1);
}
console.log(`docs/guide.md documents ${Object.keys(textkit).length} functions`);
