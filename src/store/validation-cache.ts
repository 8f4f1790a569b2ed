/**
 * Remembers which graph.jsonl passed validation, by the file's identity (inode, size,
 * mtime, ctime), so a read of a file wg itself wrote or already checked can skip zod
 * (~60 ms to load it) and hashing the whole file (~15 ms at 10k tasks). An atomic
 * rewrite by anyone makes a new inode and an edit in place a new mtime, so either
 * brings full validation back. Losing or corrupting this file only costs time.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Bump when the schema accepts less than before, so old verdicts are not trusted. */
const SCHEMA_VERSION = '3';

export class ValidationCache {
  private readonly path: string;

  constructor(dir: string) {
    this.path = join(dir, 'cache', 'validated');
  }

  private stamp(identity: string): string {
    return `${SCHEMA_VERSION} ${identity}`;
  }

  isValidated(identity: string): boolean {
    try {
      return readFileSync(this.path, 'utf8') === this.stamp(identity);
    } catch {
      return false;
    }
  }

  /**
   * Overwritten in place, not renamed into place: creating and deleting an inode per
   * runner transaction is what costs most on a busy ext4. A reader that catches the
   * file half-written sees a stamp that does not match and simply validates.
   */
  remember(identity: string): void {
    try {
      mkdirSync(join(this.path, '..'), { recursive: true });
      writeFileSync(this.path, this.stamp(identity));
    } catch {
      // A read-only folder just means every read validates.
    }
  }
}
