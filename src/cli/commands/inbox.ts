/** `wg inbox`: everything that waits on a person, oldest first, each with the command that resolves it. */
import type { Command } from 'commander';
import { computeInbox, type InboxItem } from '../../graph/inbox.js';
import { parseDuration } from '../../graph/duration.js';
import { inboxRunFacts } from '../../runner/run-record.js';
import { openWorkspace } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson } from '../output.js';

const LABELS: Record<InboxItem['kind'], string> = {
  'pending-validation': colors.magenta('review'),
  'input-required': colors.yellow('question'),
  'permission-denied': colors.yellow('refused'),
  failed: colors.red('failed'),
  'human-task': colors.blue('to do'),
  'budget-stopped': colors.yellow('budget'),
  'rate-limit-paused': colors.yellow('paused'),
};

export function register(program: Command): void {
  const command = program
    .command('inbox')
    .description(
      'everything that waits on a person, oldest first: results to review, questions, refused calls, failed tasks, tasks for people, a run stopped by its budget, a backend paused long by a rate limit; each with the command that resolves it',
    )
    .option('--json', 'print the items as a JSON array of {kind, task?, text, command, since}')
    .action(async (options: { json?: boolean }) => {
      const workspace = await openWorkspace(command);
      const config = await workspace.config();
      const items = computeInbox(
        await workspace.store.load(),
        inboxRunFacts(workspace.dir),
        new Date(),
        parseDuration(config.notify.long_pause),
      );
      if (options.json) return printJson(items);
      if (items.length === 0) return print('nothing waits on a person');
      for (const item of items) {
        print(`${LABELS[item.kind]}  ${item.text} ${colors.dim(`(since ${item.since})`)}`);
        print(`    ${colors.bold(item.command)}`);
      }
    });
  examples(command, 'wg inbox', 'wg inbox --json');
}
