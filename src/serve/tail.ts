/**
 * Follow a file as it grows: read what is there from an offset, then read each new
 * part when the folder's watch says the file changed (no timer loop).
 */
import { watch, type FSWatcher } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

export interface Tail {
  stop(): void;
}

const CHUNK = 64 * 1024;

export function tailFile(path: string, from: number, onText: (text: string, offset: number) => void, onError: (error: Error) => void): Tail {
  const name = basename(path);
  const decoder = new StringDecoder('utf8');
  let offset = from;
  let reading = false;
  let again = false;
  let stopped = false;

  const readMore = async (): Promise<void> => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
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
      } while (again && !stopped);
    } catch (error) {
      if (!stopped) onError(error as Error);
    } finally {
      reading = false;
    }
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), (_event, changed) => {
      if (!stopped && (changed === null || changed === name)) void readMore();
    });
    watcher.on('error', (error) => onError(error));
  } catch (error) {
    onError(error as Error);
  }
  void readMore();
  return {
    stop() {
      stopped = true;
      watcher?.close();
    },
  };
}

