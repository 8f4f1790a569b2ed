/** The git repository a project lives in, as far as isolation needs to know it. */
import { relative, resolve, sep } from 'node:path';
import { git, gitOk, nulList } from './git.js';

export interface Repo {
  /** Top of the user's checkout (the main worktree). */
  top: string;
  /** The project root relative to `top`, with `/` separators ('' when they are the same). */
  prefix: string;
  /** The branch the user's checkout has checked out, if any (detached HEAD: undefined). */
  branch: string | undefined;
}

/** The repository around `root`, or why there is none to isolate in (not a work tree, no commit yet). */
export async function findRepo(root: string): Promise<Repo | { none: string }> {
  const top = await git(root, ['rev-parse', '--show-toplevel']);
  if (top.exitCode !== 0) return { none: 'not a git work tree' };
  const head = await git(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  if (head.exitCode !== 0) return { none: 'the git repository has no commit yet' };
  const branch = await git(root, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  const topPath = resolve(top.stdout.trim());
  return {
    top: topPath,
    prefix: relative(topPath, resolve(root)).split(sep).join('/'),
    branch: branch.exitCode === 0 ? branch.stdout.trim() : undefined,
  };
}

export async function branchHead(top: string, branch: string): Promise<string | undefined> {
  const result = await git(top, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`]);
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

/** Whether the user's checkout has `branch` checked out right now. */
export async function checkedOut(top: string, branch: string): Promise<boolean> {
  const result = await git(top, ['symbolic-ref', '--quiet', 'HEAD']);
  return result.exitCode === 0 && result.stdout.trim() === `refs/heads/${branch}`;
}

/** A pathspec that leaves out the project's graph folder, `.workgraph` or `.wg` (wg's own files are never the agents' work). */
export function excludeWorkgraph(prefix: string, name = '.workgraph'): string {
  return `:(top,exclude)${prefix === '' ? '' : `${prefix}/`}${name}`;
}

/** Tracked files of the user's checkout with uncommitted changes (staged or not), wg's own folder aside. */
export async function dirtyTrackedFiles(top: string, prefix: string, dirName?: string): Promise<string[]> {
  const output = await gitOk(top, [
    'status',
    '--porcelain=v1',
    '-z',
    '--untracked-files=no',
    '--',
    ':/',
    excludeWorkgraph(prefix, dirName),
  ]);
  // Each entry is "XY path" (a rename adds its source as a further NUL-separated entry, skipped here).
  const entries = nulList(output);
  const files: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    files.push(entry.slice(3));
    if (entry[0] === 'R' || entry[0] === 'C') i++;
  }
  return files;
}
