/** Git, as `wg run`'s worktrees and landing need it. */
import type { Check, GitFacts } from './types.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

function diskCheck(freeBytes: number | undefined): Check | undefined {
  if (freeBytes === undefined) return undefined;
  const free = freeBytes >= GiB ? `${(freeBytes / GiB).toFixed(1)} GiB` : `${Math.round(freeBytes / MiB)} MiB`;
  if (freeBytes < 100 * MiB)
    return {
      area: 'git',
      name: 'free disk',
      status: 'fail',
      detail: `${free} free where worktrees are made`,
      fix: 'free some space: each attempt checks out the project again (wg worktree prune removes kept trees)',
    };
  if (freeBytes < GiB)
    return {
      area: 'git',
      name: 'free disk',
      status: 'warn',
      detail: `only ${free} free where worktrees are made`,
      fix: 'free some space: each attempt checks out the project again (wg worktree prune removes kept trees)',
    };
  return { area: 'git', name: 'free disk', status: 'ok', detail: `${free} free` };
}

export function gitChecks(git: GitFacts): Check[] {
  const disk = diskCheck(git.freeBytes);
  if (git.isolation === 'none')
    return [
      {
        area: 'git',
        name: 'git',
        status: 'skip',
        detail: 'isolation = "none": attempts run in the project itself, nothing is landed',
      },
      ...(disk ? [disk] : []),
    ];
  if (git.noRepo !== undefined) {
    const check: Check =
      git.isolation === 'worktree'
        ? {
            area: 'git',
            name: 'git work tree',
            status: 'fail',
            detail: `isolation = "worktree", but ${git.noRepo}`,
            fix: 'git init && git add -A && git commit -m "initial", or set isolation = "none" under [run]',
          }
        : {
            area: 'git',
            name: 'git work tree',
            status: 'warn',
            detail: `${git.noRepo}: tasks run in place, without worktrees, and nothing is landed`,
            fix: 'git init && git add -A && git commit -m "initial" (or set isolation = "none" under [run] to say so)',
          };
    return [check, ...(disk ? [disk] : [])];
  }
  const checks: Check[] = [
    {
      area: 'git',
      name: 'git work tree',
      status: 'ok',
      detail: 'a work tree with a commit: each attempt gets a worktree of its own',
    },
  ];
  if (git.target === undefined) {
    checks.push({
      area: 'git',
      name: 'target branch',
      status: 'fail',
      detail: 'HEAD is detached: there is no branch to land results on',
      fix: 'check out a branch (git switch NAME), or pass --target BRANCH',
    });
  } else if (!git.targetExists) {
    checks.push({
      area: 'git',
      name: 'target branch',
      status: 'fail',
      detail: `${git.target} does not exist`,
      fix: `create it (git branch ${git.target}), or pass another --target`,
    });
  } else {
    checks.push({ area: 'git', name: 'target branch', status: 'ok', detail: `results land on ${git.target}` });
  }
  if (git.dirty.length > 0) {
    const shown = `${git.dirty.slice(0, 5).join(', ')}${git.dirty.length > 5 ? ` and ${git.dirty.length - 5} more` : ''}`;
    checks.push({
      area: 'git',
      name: 'uncommitted changes',
      status: 'fail',
      detail: `tracked files changed in your checkout of ${git.target} (${shown}): wg run refuses to land over them`,
      fix: 'commit or stash them, or run with --target OTHER-BRANCH, or --isolation none',
    });
  } else if (git.target !== undefined && git.targetExists) {
    checks.push({ area: 'git', name: 'uncommitted changes', status: 'ok', detail: 'none in tracked files' });
  }
  const scratch = git.scratch;
  if (scratch && 'ignored' in scratch) {
    checks.push({
      area: 'git',
      name: 'scratch worktree',
      status: 'warn',
      detail: `a new file (${scratch.ignored}) in a scratch worktree is ignored by the project's ignore rules: new files agents write there would not land`,
      fix: 'narrow .gitignore (or .git/info/exclude, or your global excludes file) to what is really generated',
    });
  } else if (scratch && 'step' in scratch && !scratch.ok) {
    checks.push({
      area: 'git',
      name: 'scratch worktree',
      status: 'fail',
      detail: `${scratch.step} failed in a scratch worktree, as it would for every attempt: ${scratch.said}`,
      fix: 'fix what git says above (try the same command in a worktree of your own: git worktree add /tmp/try)',
    });
  } else if (scratch?.ok) {
    checks.push({
      area: 'git',
      name: 'scratch worktree',
      status: 'ok',
      detail: `made, a new file staged${scratch.linked.length > 0 ? ` with ${scratch.linked.join(', ')} linked in` : ''}, removed`,
    });
  }
  if (disk) checks.push(disk);
  return checks;
}
