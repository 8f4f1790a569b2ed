/**
 * Values computed from one exact graph.jsonl and kept in `.workgraph/cache/<name>.json`,
 * so a read-only command on an unchanged graph need not parse the whole file again: at
 * 10k tasks parsing is most of what `wg ready` costs. The entry names the file by
 * identity and digest, trusted as the validation stamp is (see file-identity.ts). An
 * entry for another file, another wg version or a torn write is a miss, and a miss
 * only costs the parse.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageVersion } from '../../version.js';
import { stampHolds, type FileIdentity } from './file-identity.js';

interface Entry {
  wg: string;
  identity: string;
  recordedAt: number;
  digest: string;
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

  /** The value stored for this file, or undefined. `digest` (of the file's content) is asked for only when the file is young. */
  read(name: string, identity: FileIdentity, digest: () => string): unknown {
    let entry: Entry;
    try {
      entry = JSON.parse(readFileSync(this.path(name), 'utf8')) as Entry;
    } catch {
      return undefined;
    }
    if (entry.wg !== packageVersion()) return undefined;
    const verdict = stampHolds(
      { key: entry.identity, recordedAt: entry.recordedAt, digest: entry.digest },
      identity,
      digest,
    );
    if (verdict === 'record-again') this.write(name, identity, entry.digest, entry.value);
    return verdict === 'stale' ? undefined : entry.value;
  }

  write(name: string, identity: FileIdentity, digest: string, value: unknown): void {
    const entry: Entry = { wg: packageVersion(), identity: identity.key, recordedAt: Date.now(), digest, value };
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
