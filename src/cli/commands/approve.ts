/** `wg approve`: a result pending validation lands (through the merge queue) and its task is done. */
import type { Command } from 'commander';
import { InvalidInputError } from '../../errors.js';
import { getTask } from '../../graph/model.js';
import { pendingOf } from '../../graph/review.js';
import { callerFor, openWorkspace } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson, status } from '../output.js';

interface Options {
  comment?: string;
  actor?: string;
  json?: boolean;
}

/** A verdict is a person's (or the reviewer's): never the agent's whose work it is. */
export function refuseAgents(verb: string): void {
  if (process.env.WG_TOKEN !== undefined || process.env.WG_TASK_ID !== undefined)
    throw new InvalidInputError(
      `an agent cannot ${verb} results (WG_TASK_ID/WG_TOKEN are set): a person runs wg ${verb}`,
    );
}

export function register(program: Command): void {
  const command = program
    .command('approve')
    .description(
      'land a result pending validation: rebase it onto the target, check it again if the target moved, land it; the task is done (a conflict or a failing check reopens it instead)',
    )
    .argument('<id>', 'the task whose result waits (wg list --status pending-validation)')
    .option('--comment <text>', 'a word for the record (kept with the verdict)')
    .option('--actor <id>', 'who approves (default: $WG_ACTOR, else your user name)')
    .option('--json', 'print the task as JSON')
    .action(async (id: string, options: Options) => {
      refuseAgents('approve');
      const workspace = await openWorkspace(command);
      const config = await workspace.config();
      const by = { ...callerFor(id, { actor: options.actor }), credentials: undefined };
      // Refused before git is touched when there is nothing to approve.
      pendingOf(getTask(await workspace.store.load(), id));
      const { approvePending } = await import('../../worktree/review.js');
      const interrupt = new AbortController();
      process.once('SIGINT', () => interrupt.abort());
      const result = await approvePending(
        { root: workspace.root, workgraphDir: workspace.dir, config },
        (change) => workspace.store.transact(change),
        id,
        by,
        { reviewer: 'person', comment: options.comment },
        interrupt.signal,
      );
      if (result.kind === 'not-landed') {
        if (options.json) printJson(result.task);
        else {
          print(`${colors.bold(id)} did not land: ${result.reason}`);
          print(`${colors.bold(id)} is now ${status(result.task.status)}`);
        }
        process.exitCode = 1;
        return;
      }
      const { task: done, landing } = result;
      if (options.json) return printJson(done);
      const where = landing
        ? landing.base === landing.commit
          ? ` (it changed nothing on ${landing.target})`
          : `; landed ${landing.commit.slice(0, 12)} on ${landing.target}`
        : ' (it ran in place: its files are where they go)';
      print(`${colors.bold(id)} is now ${status(done.status)}${where}`);
    });
  examples(command, 'wg approve build-api', 'wg approve build-api --comment "clean, thanks"');
}
