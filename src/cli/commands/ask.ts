/** `wg ask`: an agent's question for a person; its attempt ends and the task waits for `wg answer`. */
import type { Command } from 'commander';
import { askQuestion } from '../../graph/questions.js';
import { callerFor, openWorkspace, withLeaseOptions, type LeaseOptions } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson, status } from '../output.js';

export function register(program: Command): void {
  const command = withLeaseOptions(
    program
      .command('ask')
      .description(
        'ask a person a question and end the attempt: the task waits (status waiting, no retry counted) until `wg answer`; the next attempt is given the question and the answer',
      )
      .argument('<id>', 'the task (its lease: agents get $WG_TOKEN)')
      .argument('<question>', 'what only a person can tell you, in a few lines'),
  )
    .option('--json', 'print the task as JSON')
    .action(async (id: string, question: string, options: LeaseOptions & { json?: boolean }) => {
      const { store } = await openWorkspace(command);
      const task = await store.transact((graph) => askQuestion(graph, id, callerFor(id, options), question));
      if (options.json) return printJson(task);
      print(`${colors.bold(id)} is now ${status(task.status)}: your attempt ends here; stop now and exit.`);
      print(colors.dim(`a person answers with: wg answer ${id} "..."`));
    });
  examples(command, 'wg ask build-api "Should the API keep v1 routes, or may I remove them?"');
}
