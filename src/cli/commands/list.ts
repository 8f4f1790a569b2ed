import { Command, Option } from 'commander';
import { dependencyIndex, displayStatus } from '../../graph/deps.js';
import { TASK_STATUSES } from '../../graph/types.js';
import { loadGraph } from '../context.js';
import { examples } from '../help.js';
import { print, printJson, status, table, truncate } from '../output.js';
import { collect } from '../flag-parsers.js';

export function register(program: Command): void {
  const command = program
    .command('list')
    .description('list tasks, optionally filtered by status or tag')
    .addOption(
      new Option(
        '--status <status>',
        'only tasks with this status (blocked: also open tasks whose blockers are not done)',
      ).choices(TASK_STATUSES),
    )
    .option('--tag <tag>', 'only tasks with this tag (repeatable: all must match)', collect)
    .option('--json', 'print the tasks as JSON')
    .action(async (options: { status?: string; tag?: string[]; json?: boolean }) => {
      const graph = await loadGraph(command);
      const index = dependencyIndex(graph);
      const rows = [...graph.tasks.values()]
        .map((task) => ({ task, shown: displayStatus(graph, index, task) }))
        .filter(
          ({ task, shown }) =>
            !options.status || shown === options.status || (options.status === 'open' && task.status === 'open'),
        )
        .filter(({ task }) => (options.tag ?? []).every((tag) => task.tags?.includes(tag)));
      if (options.json) return printJson(rows.map(({ task, shown }) => ({ ...task, blocked: shown === 'blocked' })));
      if (rows.length === 0) return print('No tasks.');
      print(
        table(
          ['ID', 'STATUS', 'ASSIGNED', 'TITLE'],
          rows.map(({ task, shown }) => [task.id, status(shown), task.assigned ?? '', truncate(task.title, 60)]),
        ),
      );
    });
  examples(command, 'wg list', 'wg list --status blocked', 'wg list --tag backend --json');
}
