/** `wg init`: the folder, an empty graph, a commented config and a .gitignore for runtime files. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../errors.js';
import { CONFIG_FILE, CONFIG_TEMPLATE } from './config-template.js';
import { GRAPH_FILE } from './file-store.js';

const GITIGNORE = `# Runtime files: locks, run directories and logs are not part of the graph.
graph.lock
graph.lock.break
graph.jsonl.*
runs/
logs/
cache/
`;

export function initWorkgraph(dir: string): void {
  if (existsSync(join(dir, GRAPH_FILE))) throw new InvalidInputError(`${dir} is already initialised`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, GRAPH_FILE), '');
  if (!existsSync(join(dir, CONFIG_FILE))) writeFileSync(join(dir, CONFIG_FILE), CONFIG_TEMPLATE);
  writeFileSync(join(dir, '.gitignore'), GITIGNORE);
}
