/** `wg answer`: a person answers a task's question (or grants a refused call) and the task reopens. */
import type { Command } from 'commander';
import { InvalidInputError } from '../../errors.js';
import { answerQuestion } from '../../graph/questions.js';
import { callerFor, openWorkspace } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson, status } from '../output.js';

interface Options {
  allow?: string[];
  actor?: string;
  json?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('answer')
    .description(
      "answer a task's question (status waiting) or a call its permissions refused (a failed task): it reopens, the next attempt's prompt carries the question and the answer, and no retry is counted",
    )
    .argument('<id>', 'the task')
    .argument('<text>', 'the answer')
    .option(
      '--allow <tool>',
      'also allow the task this tool rule from now on, e.g. the refused call (repeatable; as `wg edit --tool`)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--actor <id>', 'who answers (default: $WG_ACTOR, else your user name)')
    .option('--json', 'print the task as JSON')
    .action(async (id: string, text: string, options: Options) => {
      // People answer; an agent that needs something asks (`wg ask`) and stops.
      if (process.env.WG_TOKEN)
        throw new InvalidInputError(
          'wg answer is for a person, and this process holds an agent lease ($WG_TOKEN)',
          'an agent asks with `wg ask ID "question"` and stops',
        );
      const { store } = await openWorkspace(command);
      const by = callerFor(id, { actor: options.actor });
      const task = await store.transact((graph) => answerQuestion(graph, id, by, text, options.allow ?? []));
      if (options.json) return printJson(task);
      print(`${colors.bold(id)} is now ${status(task.status)}: the next attempt reads your answer`);
      print(colors.dim(`next: wg run ${id}`));
    });
  examples(
    command,
    'wg answer build-api "Keep the v1 routes until March"',
    'wg answer build-api "Yes, run it" --allow "Bash(npm publish:*)"',
  );
}
