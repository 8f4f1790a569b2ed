import type { Command } from 'commander';
import { END_OF_TIME, readyTasks, startable } from '../../graph/deps.js';
import { openWorkspace } from '../context.js';
import { examples } from '../help.js';
import { print, printJson, table, truncate } from '../output.js';

export function register(program: Command): void {
  const command = program
    .command('ready')
    .description('list open tasks whose blockers are all done or abandoned')
    .option('--json', 'print the tasks as JSON')
    .action(async (options: { json?: boolean }) => {
      // Readiness but for `not_before` depends on the file alone, so it is cached with it; the clock applies here.
      const candidates = await (
        await openWorkspace(command)
      ).store.derived('ready', (graph) => readyTasks(graph, END_OF_TIME));
      const now = new Date();
      const ready = candidates.filter((task) => startable(task, now));
      if (options.json) return printJson(ready);
      if (ready.length === 0) return print('No task is ready.');
      print(
        table(
          ['ID', 'SKILLS', 'TITLE'],
          ready.map((task) => [task.id, (task.skills ?? []).join(','), truncate(task.title, 60)]),
        ),
      );
    });
  examples(command, 'wg ready', 'wg ready --json | jq -r ".[].id"');
}
