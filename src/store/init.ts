/** `wg init`: the folder, an empty graph, a commented config and a .gitignore for runtime files. */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../errors.js';
import { CONFIG_FILE, configTemplate } from '../config/config-template.js';
import { GRAPH_FILE } from './file/file-store.js';

/**
 * wg's runtime files, which wg writes all the time: ignored, so wg never makes a checkout
 * dirty. graph.jsonl is among them: the graph is live state shared by every runner and
 * agent, not a source file (delete its line to commit snapshots of it; wg itself never
 * commits anything under .workgraph/). config.toml and prompts/ are meant to be committed.
 */
export const RUNTIME_IGNORES = [
  'graph.jsonl',
  'graph.jsonl.*',
  'graph.journal',
  'graph.lock',
  'graph.lock.*',
  'runs/',
  'logs/',
  'cache/',
  'worktrees/',
  'active-runs/',
];

const GITIGNORE = `# wg's runtime files: wg writes them constantly, so they are not committed.
# (graph.jsonl is the live graph: remove its line to commit snapshots of it.)
${RUNTIME_IGNORES.join('\n')}
`;

/** Add whatever runtime entries an older .gitignore lacks (a project made before worktrees, say). */
export function ensureRuntimeIgnored(dir: string): void {
  const path = join(dir, '.gitignore');
  const present = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const lines = new Set(present.split('\n').map((line) => line.trim()));
  const missing = RUNTIME_IGNORES.filter((entry) => !lines.has(entry));
  if (missing.length === 0) return;
  if (present === '') return writeFileSync(path, GITIGNORE);
  appendFileSync(path, `${present.endsWith('\n') ? '' : '\n'}${missing.join('\n')}\n`);
}

/**
 * Create the folder. With `storeUrl` the graph lives in PostgreSQL: config.toml names it
 * under [store] and no graph.jsonl is written (the caller creates the schema).
 */
export function initWorkgraph(dir: string, storeUrl?: string, defaultBackend?: string): void {
  if (
    existsSync(join(dir, GRAPH_FILE)) ||
    (storeUrl === undefined &&
      existsSync(join(dir, CONFIG_FILE)) &&
      /^\s*\[store\]/m.test(readFileSync(join(dir, CONFIG_FILE), 'utf8')))
  ) {
    throw new InvalidInputError(`${dir} is already initialised`);
  }
  mkdirSync(dir, { recursive: true });
  if (storeUrl === undefined) writeFileSync(join(dir, GRAPH_FILE), '');
  if (!existsSync(join(dir, CONFIG_FILE)))
    writeFileSync(join(dir, CONFIG_FILE), configTemplate({ backend: defaultBackend, storeUrl }));
  else if (storeUrl !== undefined)
    throw new InvalidInputError(
      `${join(dir, CONFIG_FILE)} exists already`,
      'add the [store] table to it yourself, or remove it first',
    );
  writeFileSync(join(dir, '.gitignore'), GITIGNORE);
}
