import { Command, InvalidArgumentError } from 'commander';
import { InvalidInputError } from '../../errors.js';
import { getTask } from '../../graph/model.js';
import type { AttemptChange } from '../../worktree/diff.js';
import { openWorkspace } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson } from '../output.js';
import { parseCount } from '../flag-parsers.js';

function parseAttempt(value: string): number {
  const attempt = parseCount(value);
  if (attempt < 1) throw new InvalidArgumentError('expected an attempt number, 1 or more');
  return attempt;
}

const short = (commit: string) => commit.slice(0, 12);

function describe(change: AttemptChange): string {
  const where = `${change.task} attempt ${change.attempt}`;
  switch (change.source) {
    case 'landed':
      return `${where}: landed on ${change.target} as ${short(change.base)}..${short(change.head)}`;
    case 'running':
      return `${where}: still running in ${change.worktree} (its work so far, from ${short(change.base)})`;
    case 'pending':
      return `${where}: waits for review in ${change.worktree} on branch ${change.branch} (from ${short(change.base)}); wg approve ${change.task} lands it, wg reject ${change.task} --reason TEXT sends it back`;
    case 'kept':
      return `${where}: not landed; kept in ${change.worktree} on branch ${change.branch} (from ${short(change.base)})`;
    case 'branch':
      return `${where}: not landed; kept on branch ${change.branch} (from ${short(change.base)})`;
  }
}

export function register(program: Command): void {
  const command = program
    .command('diff')
    .description(
      'show what one attempt of a task changed: the landed commits, the result waiting for review, or the kept worktree or branch of one that did not land',
    )
    .argument('<id>', 'the task')
    .option(
      '--attempt <n>',
      'which attempt (default: the one that landed, else the one pending review, else the latest)',
      parseAttempt,
    )
    .option('--stat', 'a summary of the changed files instead of the patch')
    .option('--json', 'print the change as JSON: where it is, the files, and the patch (unless --stat)')
    .action(async (id: string, options: { attempt?: number; stat?: boolean; json?: boolean }) => {
      const workspace = await openWorkspace(command);
      const task = getTask(await workspace.store.load(), id);
      const { findRepo } = await import('../../worktree/repo.js');
      const repo = await findRepo(workspace.root);
      if ('none' in repo)
        throw new InvalidInputError(
          `${workspace.root} is ${repo.none === 'not a git work tree' ? 'not a git work tree' : `a git repository without a commit`}, so wg keeps no record of what a task changed`,
        );
      const { attemptDiff, findAttemptChange, renderChange } = await import('../../worktree/diff.js');
      const change = await findAttemptChange(
        repo,
        workspace.dir,
        task,
        options.attempt,
        (await workspace.config()).run.worktree_link,
      );
      const stat = options.stat ?? false;
      if (options.json) {
        return printJson(await attemptDiff(repo.top, change, { stat }));
      }
      const text = await renderChange(repo.top, change, { stat, color: colors.isColorSupported });
      print(colors.dim(describe(change)));
      print(text === '' ? 'No change.' : text);
    });
  examples(command, 'wg diff build-api', 'wg diff build-api --stat', 'wg diff build-api --attempt 1 --json');
}
