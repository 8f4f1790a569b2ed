/** `wg reject`: send a result pending validation back, with why; the next attempt's prompt carries it. */
import type { Command } from 'commander';
import { getTask } from '../../graph/model.js';
import { parseReviewComment, pendingOf } from '../../graph/review.js';
import type { ReviewComment } from '../../graph/schema.js';
import { callerFor, openWorkspace } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson, status } from '../output.js';
import { refuseAgents } from './approve.js';

interface Options {
  reason: string;
  comment?: string[];
  actor?: string;
  json?: boolean;
}

const collectComments = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command): void {
  const command = program
    .command('reject')
    .description(
      'send a result pending validation back: the task reopens (a rejection counts toward max_retries), and its next attempt continues the rejected work with the reason and every comment, with the diff lines each points at, in its prompt',
    )
    .argument('<id>', 'the task whose result waits (wg list --status pending-validation)')
    .requiredOption('--reason <text>', 'why it is rejected: the next attempt reads it')
    .option(
      '--comment <path:line: text>',
      'a comment on a line of the new version of a file (repeatable)',
      collectComments,
    )
    .option('--actor <id>', 'who rejects (default: $WG_ACTOR, else your user name)')
    .option('--json', 'print the task as JSON')
    .action(async (id: string, options: Options) => {
      refuseAgents('reject');
      const comments: ReviewComment[] = (options.comment ?? []).map(parseReviewComment);
      const workspace = await openWorkspace(command);
      const config = await workspace.config();
      pendingOf(getTask(await workspace.store.load(), id));
      const { rejectPending } = await import('../../worktree/review.js');
      const by = { ...callerFor(id, { actor: options.actor }), credentials: undefined };
      const task = await rejectPending(
        { root: workspace.root, workgraphDir: workspace.dir, config },
        (change) => workspace.store.transact(change),
        id,
        by,
        { reviewer: 'person', reason: options.reason, comments },
      );
      if (options.json) return printJson(task);
      print(`${colors.bold(id)} is now ${status(task.status)}`);
      if (task.status === 'open') print(colors.dim(`next: wg run (the retry continues the rejected work)`));
    });
  examples(
    command,
    'wg reject build-api --reason "no test for the empty input"',
    'wg reject build-api --reason "unsafe" --comment "src/api.ts:42: this trusts user input"',
  );
}
