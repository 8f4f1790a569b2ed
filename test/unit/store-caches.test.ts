import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DerivedCache } from '../../src/store/file/derived-cache.js';
import {
  contentDigest,
  contentDigestOffThread,
  identityOf,
  type FileIdentity,
} from '../../src/store/file/file-identity.js';
import { ValidationCache } from '../../src/store/file/validation-cache.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wg-caches-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A file as its identity describes it, changed `ageMs` ago. */
const fileChanged = (ageMs: number, key = '7:100:1:1'): FileIdentity => ({
  key,
  ino: 7n,
  changedAtMs: Date.now() - ageMs,
});

describe('the validation stamp', () => {
  it('trusts a file that changed long before the stamp on identity alone', () => {
    const cache = new ValidationCache(dir);
    const old = fileChanged(60_000);
    cache.remember(old, contentDigest('content'));
    expect(cache.isValidated(old, () => contentDigest('other content, same identity'))).toBe(true);
    expect(cache.isValidated({ ...old, key: '8:100:1:1' }, () => contentDigest('content'))).toBe(false);
  });

  it('checks the digest of a file young enough that a second write could share its timestamps', () => {
    const cache = new ValidationCache(dir);
    const young = fileChanged(0);
    cache.remember(young, contentDigest('content'));
    expect(cache.isValidated(young, () => contentDigest('content'))).toBe(true);
    // Same inode, size and timestamps, other bytes: what a same-tick edit in place looks like.
    expect(cache.isValidated(young, () => contentDigest('CONTENT'))).toBe(false);
  });

  it('once a young file has settled, re-stamps it so later reads need no digest', () => {
    const cache = new ValidationCache(dir);
    const file = fileChanged(60_000);
    // Stamped right after the write, as wg does: the stamp alone cannot vouch for the file.
    cache.remember(file, contentDigest('content'));
    const stampPath = join(dir, 'cache', 'validated');
    const fields = readFileSync(stampPath, 'utf8').split(' ');
    fields[2] = String(file.changedAtMs + 10);
    writeFileSync(stampPath, fields.join(' '));
    expect(cache.isValidated(file, () => contentDigest('edited in the same tick'))).toBe(false);
    expect(cache.isValidated(file, () => contentDigest('content'))).toBe(true);
    // Confirmed by content a minute after the change: re-stamped, so identity alone is enough now.
    expect(cache.isValidated(file, () => 'never asked')).toBe(true);
  });

  it('treats a torn or foreign stamp as no stamp', () => {
    const cache = new ValidationCache(dir);
    const old = fileChanged(60_000);
    cache.remember(old, contentDigest('content'));
    writeFileSync(join(dir, 'cache', 'validated'), '4 7:100:1:1');
    expect(cache.isValidated(old, () => contentDigest('content'))).toBe(false);
  });
});

describe('the derived cache', () => {
  it('answers for the same file only, checking a young file by digest', () => {
    const cache = new DerivedCache(dir);
    const young = fileChanged(0);
    cache.write('ready', young, contentDigest('graph'), ['a', 'b']);
    expect(cache.read('ready', young, () => contentDigest('graph'))).toEqual(['a', 'b']);
    expect(cache.read('ready', young, () => contentDigest('graph, edited in the same tick'))).toBeUndefined();
    expect(cache.read('ready', { ...young, key: 'other' }, () => contentDigest('graph'))).toBeUndefined();
    expect(cache.read('other-name', young, () => contentDigest('graph'))).toBeUndefined();
  });
});

describe('the derived cache, later', () => {
  it('records that a young file it confirmed by digest has settled', () => {
    const cache = new DerivedCache(dir);
    const file = fileChanged(60_000);
    cache.write('ready', file, contentDigest('graph'), ['a']);
    const entryPath = join(dir, 'cache', 'ready.json');
    writeFileSync(
      entryPath,
      JSON.stringify({ ...JSON.parse(readFileSync(entryPath, 'utf8')), recordedAt: file.changedAtMs + 10 }),
    );
    expect(cache.read('ready', file, () => contentDigest('graph'))).toEqual(['a']);
    expect(cache.read('ready', file, () => 'never asked')).toEqual(['a']);
  });
});

describe('identityOf', () => {
  it('changes when a file is edited in place or replaced, and names a missing file', () => {
    const path = join(dir, 'graph.jsonl');
    expect(identityOf(path).key).toBe('missing');
    writeFileSync(path, 'one');
    const first = identityOf(path);
    writeFileSync(path, 'three');
    expect(identityOf(path).key).not.toBe(first.key);
    expect(identityOf(path).changedAtMs).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('contentDigest', () => {
  it('is the same in the thread pool as on the main thread, for text and bytes alike', async () => {
    const text = '{"kind":"task","id":"é","title":"✓"}\n';
    expect(await contentDigestOffThread(Buffer.from(text))).toBe(contentDigest(text));
  });
});
