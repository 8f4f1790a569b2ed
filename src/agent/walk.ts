/** Walking a folder tree for list_files and search_files, bounded and without following links out. */
import { readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';

/** Folders that are rarely what an agent is looking for and can hold hundreds of thousands of files. */
export const SKIPPED_FOLDERS = new Set(['.git', 'node_modules', '.workgraph', '.wg']);

export interface WalkEntry {
  /** Relative to the walk's start, with `/` after folders. */
  path: string;
  absolute: string;
  isDirectory: boolean;
}

/**
 * Entries under `start` in sorted order, depth first, at most `limit` of them. Symbolic
 * links are listed but never followed, so a link cannot carry the walk out of the folder.
 */
export function walk(
  start: string,
  options: { recursive: boolean; limit: number },
): { entries: WalkEntry[]; truncated: boolean } {
  const entries: WalkEntry[] = [];
  let truncated = false;
  const visit = (folder: string, prefix: string) => {
    let children: Dirent[];
    try {
      children = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    children.sort((a, b) => a.name.localeCompare(b.name));
    for (const child of children) {
      if (entries.length >= options.limit) {
        truncated = true;
        return;
      }
      const absolute = join(folder, child.name);
      const isDirectory = child.isDirectory();
      entries.push({ path: `${prefix}${child.name}${isDirectory ? '/' : ''}`, absolute, isDirectory });
      if (isDirectory && options.recursive && !SKIPPED_FOLDERS.has(child.name))
        visit(absolute, `${prefix}${child.name}/`);
    }
  };
  visit(start, '');
  return { entries, truncated };
}

/**
 * A glob over relative paths, as picomatch reads it (`*`, `**`, `?`, braces, classes, dotfiles
 * included). A pattern without a slash matches the file name anywhere, as in most tools.
 */
export function globMatcher(glob: string): (path: string) => boolean {
  return picomatch(glob, { dot: true, basename: !glob.includes('/') });
}
