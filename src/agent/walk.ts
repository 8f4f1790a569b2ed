/** Walking a folder tree for list_files and search_files, bounded and without following links out. */
import { readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

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
export function walk(start: string, options: { recursive: boolean; limit: number }): { entries: WalkEntry[]; truncated: boolean } {
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
      if (isDirectory && options.recursive && !SKIPPED_FOLDERS.has(child.name)) visit(absolute, `${prefix}${child.name}/`);
    }
  };
  visit(start, '');
  return { entries, truncated };
}

/** A glob over relative paths: `*` within a segment, `**` across segments, `?` one character. */
export function globToRegExp(glob: string): RegExp {
  let pattern = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*' && glob[i + 1] === '*') {
      pattern += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (char === '*') pattern += '[^/]*';
    else if (char === '?') pattern += '[^/]';
    else pattern += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  // A pattern without a slash matches the file name anywhere, as in most tools.
  return glob.includes('/') ? new RegExp(`^${pattern}$`) : new RegExp(`(^|/)${pattern}$`);
}
