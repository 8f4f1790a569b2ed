/**
 * The folder wg is installed in (the one with its package.json), and the files in it that
 * wg reads or starts. Found by walking up from this module rather than by a fixed `../..`,
 * because the same code runs from dist/wg.mjs (the bundle `wg` starts), from tsc's
 * dist/<folder>/*.js (what worker and helper processes run, and some tests import) and from
 * src/ under the tests: each sits at a different depth.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'workgraph';

let root: string | undefined;

function isPackageRoot(folder: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name?: unknown }).name === PACKAGE_NAME;
  } catch {
    return false;
  }
}

/** The package's root folder, found once per process. */
export function packageRoot(): string {
  if (root !== undefined) return root;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let folder = start; ; folder = dirname(folder)) {
    if (isPackageRoot(folder)) return (root = folder);
    if (dirname(folder) === folder) throw new Error(`no package.json named "${PACKAGE_NAME}" above ${start}`);
  }
}

/** A file or folder of the installation, by its path from the package root (e.g. `bin/wg.js`). */
export function packagePath(...segments: string[]): string {
  return join(packageRoot(), ...segments);
}
