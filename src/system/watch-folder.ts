/** One way to follow a folder's changes: `fs.watch`, filtered by file name, a burst reported once. */
import { watch } from 'node:fs';

export interface WatchFolderOptions {
  /** Only changes to these files count (a change the OS reports without a name always counts). Default: any file. */
  names?: readonly string[];
  /** Wait this long after a change for the burst to end, then report it once. Default 0: report each change. */
  coalesceMs?: number;
  /** Whether the watch alone keeps the process alive (a `--follow` that waits only on changes needs it). Default true. */
  persistent?: boolean;
  /** A watch that fails later (the folder went away); ignored when not given. */
  onError?: (error: Error) => void;
}

/**
 * Calls `onChange` when a file in `dir` changes; returns the function that stops watching.
 * Throws when the folder cannot be watched at all (missing), so each caller decides what that means.
 */
export function watchFolder(dir: string, onChange: () => void, options: WatchFolderOptions = {}): () => void {
  const { names, coalesceMs = 0, persistent = true, onError } = options;
  let pending: NodeJS.Timeout | undefined;
  let stopped = false;
  const report = () => {
    pending = undefined;
    if (!stopped) onChange();
  };
  const watcher = watch(dir, { persistent }, (_event, name) => {
    if (stopped || (name !== null && names !== undefined && !names.includes(name))) return;
    if (coalesceMs <= 0) report();
    else pending ??= setTimeout(report, coalesceMs);
  });
  watcher.on('error', (error) => onError?.(error));
  return () => {
    stopped = true;
    if (pending) clearTimeout(pending);
    watcher.close();
  };
}
