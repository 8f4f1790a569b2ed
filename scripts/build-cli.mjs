#!/usr/bin/env node
// Bundle the CLI (tsc's dist/cli/main.js and everything it imports, libraries too) into
// dist/wg.mjs, which bin/wg.js loads, and dist/chunks/. Every `wg` is a short process, and
// agents and the tests start thousands: resolving and compiling ~130 small ES modules (95
// of them zod's) cost more CPU than most commands themselves. Split, not one file: each
// command is imported on demand (commands/index.ts), and one 4.5 MB file (the SDKs, zod,
// every command) made `wg show` dearer than the ~20 modules it loads now (0.31 CPU-s
// against 0.16). Runs after tsc in `npm run build`; tsc's output stays, for the helper and
// worker processes (src/system/package-root.ts) and the tests that import it.
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/**
 * zod's `z.locales` (and `z.core.locales`) export every language's error messages: 400 KB
 * of the 750 KB any zod-validating command compiles at start, ~0.03 CPU-s a process. wg
 * only ever shows English, the default zod sets itself, so `locales` holds `en` alone.
 */
const englishOnlyZod = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, ({ importer }) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(importer)
        ? { path: join(dirname(importer), '..', 'locales', 'index.js'), namespace: 'zod-english-only' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, ({ path }) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: dirname(path),
    }));
  },
};

/**
 * commander requires node:child_process at load, for executable subcommands wg never
 * has; loading it costs every `wg` ~0.01 CPU-s, and the light commands (log, show, list,
 * progress) need it for nothing else. It is required on first spawn instead.
 */
const COMMANDER_CHILD_PROCESS = "const childProcess = require('node:child_process');";
const lazyCommanderChildProcess = {
  name: 'commander-lazy-child-process',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]commander[\\/]lib[\\/]command\.js$/ }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      // A commander that no longer has this line: fail the build rather than bundle it unchanged unnoticed.
      if (!source.includes(COMMANDER_CHILD_PROCESS))
        throw new Error(`${path} no longer has: ${COMMANDER_CHILD_PROCESS}`);
      const lazy =
        "let childProcessModule; const childProcess = { spawn: (...args) => (childProcessModule ??= require('node:child_process')).spawn(...args) };";
      return { contents: source.replace(COMMANDER_CHILD_PROCESS, lazy), loader: 'js' };
    });
  },
};

const result = await build({
  absWorkingDir: root,
  entryPoints: { wg: join(root, 'dist', 'cli', 'main.js') },
  outdir: join(root, 'dist'),
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // tsc's source maps are read and chained, so a stack trace under WG_DEBUG names src/*.ts.
  sourcemap: true,
  // The maps name the lines; the sources themselves are in src/ and node_modules/.
  sourcesContent: false,
  // pg's optional native binding, required only if asked for and never installed by us.
  external: ['pg-native'],
  // Bundled CommonJS libraries call require() for Node's modules (commander, pg, ...), and
  // write-file-atomic reads __filename: in ES modules neither exists unless defined.
  banner: {
    js: [
      "import { createRequire as __wgCreateRequire } from 'node:module';",
      "import { fileURLToPath as __wgFileURLToPath } from 'node:url';",
      'const require = __wgCreateRequire(import.meta.url);',
      'const __filename = __wgFileURLToPath(import.meta.url);',
    ].join(' '),
  },
  plugins: [englishOnlyZod, lazyCommanderChildProcess],
  logLevel: 'warning',
  metafile: true,
});
// Chunks are named by their content's hash, so an earlier build's pile up. They are removed
// only a day after: a wg started before this build (a long `wg run`, a test suite running
// against this checkout) still imports its own chunks on demand.
const STALE_AFTER_MS = 24 * 60 * 60 * 1000;
const chunks = join(root, 'dist', 'chunks');
const built = new Set(Object.keys(result.metafile.outputs).map((file) => resolve(root, file)));
for (const name of readdirSync(chunks)) {
  const file = join(chunks, name);
  if (!built.has(file) && Date.now() - statSync(file).mtimeMs > STALE_AFTER_MS) rmSync(file, { force: true });
}

const bytes = Object.entries(result.metafile.outputs)
  .filter(([file]) => !file.endsWith('.map'))
  .reduce((sum, [, output]) => sum + output.bytes, 0);
console.log(`bundled the CLI (${Math.round(bytes / 1024)} KiB)`);
