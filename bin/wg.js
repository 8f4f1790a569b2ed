#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
// A checkout that was never built (npm install runs the build; a plain git clone does not).
if (!existsSync(entry)) {
  process.stderr.write(`error: wg is not built (${fileURLToPath(entry)} is missing)\nhint: run npm install (or npm run build) in ${fileURLToPath(new URL('..', import.meta.url))}\n`);
  process.exit(1);
}
const { main } = await import(entry.href);
main(process.argv);
