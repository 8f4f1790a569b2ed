/**
 * Remembers which graph.jsonl passed validation, so a read of a file wg itself wrote or
 * already checked skips zod (~60 ms to load it). The stamp names the file by identity
 * and digest: a file that has not changed since well before the stamp is trusted on
 * identity alone; a younger one only if its content hashes to the stamped digest (see
 * file-identity.ts). Losing or corrupting the stamp only costs time.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stampHolds, type FileIdentity } from './file-identity.js';

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
