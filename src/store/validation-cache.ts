/**
 * Remembers the digest of the last graph.jsonl content that passed validation, so a
 * read of unchanged content can skip zod (and the ~60 ms it costs to load it). Any
 * change to the file, by wg or by hand, changes the digest and brings full
 * validation back. Losing or corrupting this file only costs time.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Bump when the schema accepts less than before, so old verdicts are not trusted. */
const SCHEMA_VERSION = '2';

export class ValidationCache {
  private readonly path: string;

  constructor(dir: string) {
    this.path = join(dir, 'cache', 'validated');
  }

  digest(text: string): string {
    return createHash('sha1').update(SCHEMA_VERSION).update(text).digest('hex');
  }

  isValidated(digest: string): boolean {
    try {
      return readFileSync(this.path, 'utf8') === digest;
    } catch {
      return false;
    }
  }

  remember(digest: string): void {
    try {
      mkdirSync(join(this.path, '..'), { recursive: true });
      const temp = `${this.path}.${process.pid}`;
      writeFileSync(temp, digest);
      renameSync(temp, this.path);
    } catch {
      // A read-only folder just means every read validates.
    }
  }
}
