/**
 * What an upstream task's landed commit did to a file, for the prompts of the tasks after
 * it: on a real codebase an agent's artifact is usually an edited file, and what the next
 * agent needs is the change, not the whole file again.
 *
 * Synchronous on purpose: prompts are built synchronously (a dry run and a real run share
 * that code), and this runs only for the artifacts of upstream tasks that landed, once
 * per attempt that has them, where an agent's run takes far longer than a git diff.
 */
import { execFileSync } from 'node:child_process';
import type { Landed } from '../graph/schema.js';
import type { UpstreamChangeReader, UpstreamFileChange } from '../prompt/types.js';

/** Lines of context around each change: enough to place it in the file without reading it. */
export const CONTEXT_LINES = 5;

/** git's patch for one file, sorted into what the prompt does with it. Pure. */
export function classifyPatch(patch: string): UpstreamFileChange {
  if (patch.trim() === '') return { kind: 'unchanged' };
  if (/^new file mode /m.test(patch)) return { kind: 'added' };
  if (/^deleted file mode /m.test(patch)) return { kind: 'deleted' };
  if (/^(Binary files .* differ|GIT binary patch)$/m.test(patch)) return { kind: 'binary' };
  const start = patch.search(/^@@ /m);
  // Only a mode change: the content is what it was.
  if (start < 0) return { kind: 'unchanged' };
  const hunks = patch.slice(start).replace(/\n$/, '');
  let additions = 0;
  let deletions = 0;
  for (const line of hunks.split('\n')) {
    if (line.startsWith('+')) additions++;
    else if (line.startsWith('-')) deletions++;
  }
  return { kind: 'modified', patch: hunks, additions, deletions };
}

/** A reader that asks git in `root` (the project, or any worktree of its repository: they share the commits). */
export function upstreamChangeReader(root: string): UpstreamChangeReader {
  return (landed: Landed, ref: string) => {
    if (landed.base === landed.commit) return { kind: 'unchanged' };
    try {
      const patch = execFileSync(
        'git',
        // `literal`: a file name is never read as a glob; still relative to `root`, as artifacts are.
        [
          '-c',
          'core.quotepath=off',
          'diff',
          '--no-ext-diff',
          '--no-color',
          '--no-renames',
          `-U${CONTEXT_LINES}`,
          landed.base,
          landed.commit,
          '--',
          `:(literal)${ref}`,
        ],
        {
          cwd: root,
          encoding: 'utf8',
          env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
          stdio: ['ignore', 'pipe', 'pipe'],
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      return classifyPatch(patch);
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
      return { kind: 'unknown', reason: stderr.split('\n')[0] || (error as Error).message };
    }
  };
}
