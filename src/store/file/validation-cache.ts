/**
 * Remembers which graph.jsonl passed validation, so a read of a file wg itself wrote or
 * already checked skips zod (~60 ms to load it). The stamp names the file by identity
 * and digest: a file that has not changed since well before the stamp is trusted on
 * identity alone; a younger one only if its content hashes to the stamped digest (see
 * file-identity.ts). Losing or corrupting the stamp only costs time.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contentDigestOffThread, stampHolds, type FileIdentity } from './file-identity.js';

/** Bump when the schema accepts less than before, so old verdicts are not trusted. */
const SCHEMA_VERSION = '4';

export class ValidationCache {
  private readonly path: string;

  constructor(dir: string) {
    this.path = join(dir, 'cache', 'validated');
  }

  /** `digest` (of the content read under `identity`) is asked for only when the file is young. */
  isValidated(identity: FileIdentity, digest: () => string): boolean {
    let fields: string[];
    try {
      fields = readFileSync(this.path, 'utf8').split(' ');
    } catch {
      return false;
    }
    const [version, key = '', recordedAt, stamped = ''] = fields;
    if (fields.length !== 4 || version !== SCHEMA_VERSION) return false;
    const verdict = stampHolds({ key, recordedAt: Number(recordedAt), digest: stamped }, identity, digest);
    if (verdict === 'record-again') this.remember(identity, stamped);
    return verdict !== 'stale';
  }

  /**
   * Overwritten in place, not renamed into place: creating and deleting an inode per
   * runner transaction is what costs most on a busy ext4. A reader that catches the
   * file half-written sees a stamp that does not match and simply validates.
   */
  remember(identity: FileIdentity, digest: string): void {
    try {
      mkdirSync(join(this.path, '..'), { recursive: true });
      writeFileSync(this.path, [SCHEMA_VERSION, identity.key, Date.now(), digest].join(' '));
    } catch {
      // A read-only folder just means every read validates.
    }
  }
}

/**
 * Stamps the files one writer wrote, hashing them in the thread pool: one at a time, and
 * under a burst of writes only the newest (an older file is already replaced, and its
 * stamp could help nobody). An idle writer's file is stamped at once.
 */
export class StampWriter {
  private hashing = false;
  private next: { identity: FileIdentity; bytes: Buffer } | undefined;

  constructor(private readonly cache: ValidationCache) {}

  offer(identity: FileIdentity, bytes: Buffer): void {
    this.next = { identity, bytes };
    if (!this.hashing) void this.drain();
  }

  private async drain(): Promise<void> {
    this.hashing = true;
    while (this.next) {
      const { identity, bytes } = this.next;
      this.next = undefined;
      const digest = await contentDigestOffThread(bytes).catch(() => undefined);
      if (digest !== undefined) this.cache.remember(identity, digest);
    }
    this.hashing = false;
  }
}
