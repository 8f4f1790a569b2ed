/**
 * Which file is at a path, without reading it: an atomic rewrite makes a new inode, an
 * edit in place a new mtime. Timestamps come from a coarse clock (one kernel tick, and
 * a whole second or two on some filesystems), so two same-size writes in place within
 * one tick look alike: a verdict recorded about a file that young is checked against
 * the content's digest instead (git's "racily clean" problem, solved git's way).
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';

/** Longer than the coarsest timestamp granularity in use (FAT: 2 s). */
const SETTLE_MS = 2000;

export interface FileIdentity {
  /** `ino:size:mtime:ctime` in nanoseconds, or `missing`. */
  key: string;
  ino: bigint;
  /** When the file last changed, by its own timestamps. */
  changedAtMs: number;
}

export const MISSING: FileIdentity = { key: 'missing', ino: -1n, changedAtMs: 0 };

export function identityOf(path: string): FileIdentity {
  try {
    const stat = statSync(path, { bigint: true });
    const changedNs = stat.mtimeNs > stat.ctimeNs ? stat.mtimeNs : stat.ctimeNs;
    return {
      key: `${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`,
      ino: stat.ino,
      changedAtMs: Number(changedNs / 1_000_000n),
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return MISSING;
    throw error;
  }
}

/**
 * Whether a verdict recorded at `recordedAtMs` about the file `identity` names can be
 * trusted on identity alone: any later write lands on a later timestamp.
 */
function settledBefore(identity: FileIdentity, recordedAtMs: number): boolean {
  return recordedAtMs - identity.changedAtMs >= SETTLE_MS;
}

/** A verdict about one file, as a cache recorded it. */
export interface Stamp {
  key: string;
  recordedAt: number;
  digest: string;
}

/**
 * Whether `stamp` holds for the file now at `identity`: 'stale' if not; 'holds' if so;
 * 'record-again' if it holds only because the content still hashes to the stamped
 * digest and the file has settled since, so that recording the stamp again now spares
 * later readers the digest. `digest` is computed only when the file was young at the stamp.
 */
export function stampHolds(
  stamp: Stamp,
  identity: FileIdentity,
  digest: () => string,
): 'stale' | 'holds' | 'record-again' {
  if (stamp.key !== identity.key) return 'stale';
  if (settledBefore(identity, stamp.recordedAt)) return 'holds';
  if (stamp.digest !== digest()) return 'stale';
  return settledBefore(identity, Date.now()) ? 'record-again' : 'holds';
}

export function contentDigest(content: string | Buffer): string {
  return createHash('sha1').update(content).digest('hex');
}

/** The same digest, computed in the thread pool: a runner hashes 4 MB per write at 10k tasks. */
export async function contentDigestOffThread(content: Buffer): Promise<string> {
  // A type-only cast: DOM's typings (the tests' browser code brings them in) refuse a Buffer whose
  // memory might be shared; WebCrypto takes any Node Buffer, and copying 4 MB to please them would cost.
  return Buffer.from(
    await globalThis.crypto.subtle.digest('SHA-1', content as unknown as Uint8Array<ArrayBuffer>),
  ).toString('hex');
}
