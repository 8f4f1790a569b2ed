/**
 * Values computed from one exact graph.jsonl (named by its file identity) and kept in
 * `.workgraph/cache/<name>.json`, so a read-only command on an unchanged graph need
 * not parse the whole file again: at 10k tasks parsing is most of what `wg ready`
 * costs. An entry from another file, another wg version or a torn write is a miss,
 * and a miss only costs the parse.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageVersion } from '../version.js';

interface Entry {
  wg: string;
  identity: string;
  value: unknown;
}

export class DerivedCache {
  private readonly dir: string;

  constructor(workgraphDir: string) {
    this.dir = join(workgraphDir, 'cache');
  }

  private path(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  /** The value stored for this file identity, or undefined. */
  read(name: string, identity: string): unknown {
    let entry: Entry;
    try {
      entry = JSON.parse(readFileSync(this.path(name), 'utf8')) as Entry;
    } catch {
      return undefined;
    }
    return entry.identity === identity && entry.wg === packageVersion() ? entry.value : undefined;
  }

  write(name: string, identity: string, value: unknown): void {
    const entry: Entry = { wg: packageVersion(), identity, value };
    const temp = `${this.path(name)}.${process.pid}`;
    try {
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(temp, JSON.stringify(entry));
      renameSync(temp, this.path(name));
    } catch {
      // A read-only folder just means no cache.
    }
  }
}
