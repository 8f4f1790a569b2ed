import type { Command } from 'commander';
import { checkGraph, hasErrors } from '../../graph/check.js';
import { openWorkspace } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson } from '../output.js';

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

export function register(program: Command): void {
  const command = program
    .command('check')
    .description('list every problem in the graph; exit 1 if any is an error')
    .option('--strict', 'exit 1 on warnings too')
    .option('--json', 'print {ok, problems} as JSON')
    .addHelpText(
      'after',
      `
Errors: lines that do not load (bad JSON, wrong field types, unknown status, duplicate
ids), dependency cycles, and blocked_by/blocks/requires naming a task or resource that
does not exist.
Warnings: a task assigned to an unknown actor (checked only once actors are defined,
since upstream graphs and \`wg claim\` use free-form names), a task that names itself as
a dependency, an in-progress task nobody holds, and a lease left on a finished task.`,
    )
    .action(async (options: { strict?: boolean; json?: boolean }) => {
      // parse(), not load(): load() stops at the first broken line, and check must list them all.
      const parsed = await (await openWorkspace(command)).store.parse({ revalidate: true });
      const problems = checkGraph(parsed.graph, parsed.problems);
      const failed = options.strict ? problems.length > 0 : hasErrors(problems);
      if (failed) process.exitCode = 1;
      if (options.json) return printJson({ ok: !failed, problems });
      for (const problem of problems)
        print(`${problem.severity === 'error' ? colors.red('error:') : colors.yellow('warning:')} ${problem.message}`);
      const { tasks, actors } = parsed.graph;
      if (failed) {
        const errors = problems.filter((problem) => problem.severity === 'error').length;
        print(`\n${plural(errors, 'error')}, ${plural(problems.length - errors, 'warning')}`);
        return;
      }
      const warnings = problems.length > 0 ? `, ${plural(problems.length, 'warning')}` : '';
      print(
        `${problems.length > 0 ? '\n' : ''}graph OK: ${plural(tasks.size, 'task')}, ${plural(actors.size, 'actor')}${warnings}`,
      );
    });
  examples(command, 'wg check', 'wg check --json | jq ".problems[].message"');
}
