/**
 * What a retry's tree starts from, when not from nothing (see runner/outcome.ts `retryFrom`):
 *
 * - continuing: the retry takes over the previous attempt's tree, at the same path (agent
 *   programs such as Claude Code keep their sessions per folder, and the agent remembers
 *   absolute paths), on a branch of its own, brought onto the target's head if it moved;
 * - offering the previous diff: after a landing conflict, a fresh tree at the target's head
 *   gets the previous attempt's change applied file by file where it applies, and the
 *   prompt learns whose landed work the conflicting files met and both sides' hunks.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clash, RetryBasis } from '../prompt/types.js';
import type { RetryRequest } from '../runner/isolation.js';
import { git, gitOk, gitSaid, nulList } from './git.js';

/** A side of a clash is shown up to this many characters: enough for the hunks, not a whole rewritten file. */
const MAX_HUNKS_CHARS = 4_000;

/** `base`: the target's head the continued work now sits on; `onto` too when the work had to be rebased onto it. */
export type Continued = { base: string; onto: string | undefined } | { why: string };

/**
 * Take over the tree at `path` (on `branches.from`) for the next attempt, on `branches.to`.
 * When the target moved on to `head` since the tree's work began, that work (committed by `commitWork`, then
 * uncommitted again) is rebased onto it; when that conflicts, everything is put back as it
 * was and the reason returned.
 */
export async function continueTree(
  path: string,
  branches: { from: string; to: string },
  head: string,
  commitWork: () => Promise<boolean>,
  env: Record<string, string>,
): Promise<Continued> {
  const moved = head !== (await gitOk(path, ['merge-base', 'HEAD', head]));
  if (moved) {
    const committed = await commitWork();
    const rebase = await git(path, ['rebase', '--quiet', head], { env });
    if (rebase.exitCode !== 0) {
      const conflicted = nulList((await git(path, ['diff', '--name-only', '--diff-filter=U', '-z'])).stdout);
      await git(path, ['rebase', '--abort']);
      if (committed) await gitOk(path, ['reset', '--quiet', 'HEAD~1']);
      const files =
        conflicted.length > 0 ? ` (conflict in ${conflicted.join(', ')})` : `: ${gitSaid(rebase).split('\n')[0]}`;
      return { why: `its work does not go onto the target's head ${head.slice(0, 12)} cleanly${files}` };
    }
    // The work stays as the agent left it: uncommitted, now on the newer head.
    if (committed) await gitOk(path, ['reset', '--quiet', 'HEAD~1']);
  }
  await gitOk(path, ['branch', '-M', branches.from, branches.to]);
  return { base: head, onto: moved ? head : undefined };
}

/** A path as a `git apply --include` pattern, which is a glob: its glob characters escaped. */
const literalPattern = (path: string) => path.replace(/[*?[\]\\]/g, '\\$&');

function capped(text: string): string {
  return text.length <= MAX_HUNKS_CHARS
    ? text
    : `${text.slice(0, MAX_HUNKS_CHARS)}\n... (cut here; \`git diff\` shows all of it)`;
}

/**
 * In the fresh tree at `tree` (made at the target's `head`): apply the previous attempt's
 * change (its branch against its base) file by file; a file that does not apply, even
 * three-way, is left as the target has it and listed. The changes are left unstaged, as
 * an agent's own would be.
 */
export async function offerPreviousDiff(
  top: string,
  tree: string,
  head: string,
  retry: RetryRequest,
): Promise<Extract<RetryBasis, { kind: 'offered-diff' }>> {
  const { base, branch } = retry.previous.tree;
  const tip = await gitOk(top, ['rev-parse', `refs/heads/${branch}`]);
  const files = nulList(await gitOk(top, ['diff', '--no-renames', '--name-only', '-z', base, tip]));
  const applied: string[] = [];
  const notApplied: string[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'wg-retry-'));
  try {
    const patch = join(scratch, 'previous.patch');
    writeFileSync(patch, `${await gitOk(top, ['diff', '--no-renames', '--binary', base, tip])}\n`);
    for (const file of files) {
      const one = await git(tree, ['apply', '--3way', `--include=${literalPattern(file)}`, patch]);
      const unmerged = nulList((await git(tree, ['diff', '--name-only', '--diff-filter=U', '-z', '--', file])).stdout);
      if (one.exitCode === 0 && unmerged.length === 0) applied.push(file);
      else {
        await restoreFile(tree, file);
        notApplied.push(file);
      }
    }
    await gitOk(tree, ['reset', '--quiet']);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const conflicted = retry.previous.outcome.kind === 'merge-conflict' ? retry.previous.outcome.files : [];
  const clashes: Clash[] = [];
  for (const file of conflicted) {
    clashes.push({
      file,
      tasks: await landedTouching(top, file, base, head, retry.landings),
      ours: capped(await gitOk(top, ['diff', '--no-renames', base, tip, '--', file])),
      theirs: capped(await gitOk(top, ['diff', '--no-renames', base, head, '--', file])),
    });
  }
  return { kind: 'offered-diff', attempt: retry.previous.attempt, applied, notApplied, clashes };
}

/** Back to the target's version of `file` (or none, when the target has none), after an apply that left it half done. */
async function restoreFile(tree: string, file: string): Promise<void> {
  const tracked = (await git(tree, ['cat-file', '-e', `HEAD:${file}`])).exitCode === 0;
  if (tracked) {
    await gitOk(tree, ['checkout', 'HEAD', '--', file]);
    return;
  }
  await git(tree, ['rm', '--cached', '--quiet', '--force', '--ignore-unmatch', '--', file]);
  rmSync(join(tree, file), { force: true });
}

/** The tasks whose landing, between `base` and `head` on the target, changed `file`. */
async function landedTouching(
  top: string,
  file: string,
  base: string,
  head: string,
  landings: RetryRequest['landings'],
): Promise<Clash['tasks']> {
  const between = new Set((await gitOk(top, ['rev-list', `${base}..${head}`])).split('\n').filter(Boolean));
  const touching: Clash['tasks'] = [];
  for (const { id, title, landed } of landings) {
    if (!between.has(landed.commit) || landed.base === landed.commit) continue;
    const changed = await git(top, ['diff', '--quiet', '--no-renames', landed.base, landed.commit, '--', file]);
    if (changed.exitCode === 1) touching.push({ id, title, commit: landed.commit });
  }
  return touching;
}
