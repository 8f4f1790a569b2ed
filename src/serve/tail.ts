/**
 * Follow a file as it grows: read what is there from an offset, then read each new
 * part when the folder's watch says the file changed (no timer loop).
 */
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { watchFolder } from '../system/watch-folder.js';
import { oneAtATime } from './one-at-a-time.js';

export interface Tail {
  stop(): void;
}

const CHUNK = 64 * 1024;

export function tailFile(
  path: string,
  from: number,
  onText: (text: string, offset: number) => void,
  onError: (error: Error) => void,
): Tail {
  const name = basename(path);
  const decoder = new StringDecoder('utf8');
  let offset = from;
  let stopped = false;

  /** Everything written since `offset`, read to the end (again if the file grew meanwhile). */
  const readMore = oneAtATime(async () => {
    if (stopped) return;
    try {
      let handle;
      try {
        handle = await open(path, 'r');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      try {
        const buffer = Buffer.alloc(CHUNK);
        for (;;) {
          const { bytesRead } = await handle.read(buffer, 0, CHUNK, offset);
          if (bytesRead === 0 || stopped) break;
          offset += bytesRead;
          const text = decoder.write(buffer.subarray(0, bytesRead));
          if (text) onText(text, offset);
        }
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (!stopped) onError(error as Error);
    }
  });

  let stopWatching: (() => void) | undefined;
  try {
    stopWatching = watchFolder(dirname(path), readMore, { names: [name], onError });
  } catch (error) {
    onError(error as Error);
  }
  readMore();
  return {
    stop() {
      stopped = true;
      stopWatching?.();
    },
  };
}

/**
 * Calls `onExists` once `dir` exists, watching the nearest existing folder above it and
 * stepping down as each folder on the way appears. Returns the function that stops waiting.
 */
export function whenFolderExists(dir: string, onExists: () => void, onError: (error: Error) => void): () => void {
  let stopWatching: (() => void) | undefined;
  let stopped = false;
  const check = () => {
    if (stopped) return;
    stopWatching?.();
    stopWatching = undefined;
    if (existsSync(dir)) return onExists();
    let above = dirname(dir);
    while (!existsSync(above) && dirname(above) !== above) above = dirname(above);
    try {
      stopWatching = watchFolder(above, check, { onError });
    } catch (error) {
      return onError(error as Error);
    }
    // It may have appeared between the look and the watch.
    if (existsSync(dir) || existsSync(childOn(above, dir))) check();
  };
  check();
  return () => {
    stopped = true;
    stopWatching?.();
  };
}

/** The folder just below `above` on the way to `dir`. */
function childOn(above: string, dir: string): string {
  let child = dir;
  while (dirname(child) !== above && dirname(child) !== child) child = dirname(child);
  return child;
}
