/** Git for tests: a command's output, and a repository as a user has one (a commit on `main`, so wg runs isolate attempts). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

export async function git(dir: string, ...args: string[]): Promise<string> {
  return String((await execa('git', args, { cwd: dir })).stdout);
}

/** Make `dir` a repository on `main` with an author, and commit `files` (default: a README) as its first commit. */
export async function initRepo(
  dir: string,
  files: Record<string, string> = { 'README.md': '# demo\n' },
): Promise<void> {
  await git(dir, 'init', '--quiet', '--initial-branch', 'main');
  await git(dir, 'config', 'user.email', 'tester@example.com');
  await git(dir, 'config', 'user.name', 'Tester');
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  await git(dir, 'add', '--all');
  await git(dir, 'commit', '--quiet', '-m', 'initial');
}
