#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The bundle `npm run build` makes (scripts/build-cli.mjs): far cheaper to start than tsc's ~130 modules.
const entry = new URL('../dist/wg.mjs', import.meta.url);
// A checkout that was never built (npm install runs the build; a plain git clone does not).
if (!existsSync(entry)) {
  process.stderr.write(`error: wg is not built (${fileURLToPath(entry)} is missing)\nhint: run npm install (or npm run build) in ${fileURLToPath(new URL('..', import.meta.url))}\n`);
  process.exit(1);
}
// Stack traces (printed under WG_DEBUG) then name src/*.ts; reading the maps costs every start, so only then.
if (process.env.WG_DEBUG) process.setSourceMapsEnabled(true);
const { main } = await import(entry.href);
main(process.argv);
