import type { Command } from 'commander';
import { criticalPath } from '../../graph/analysis.js';
import { loadGraph } from '../context.js';
import { examples } from '../help.js';
import { formatHours } from '../../graph/format.js';
import { colors, print, printJson, status, table, truncate } from '../output.js';

export function register(program: Command): void {
  const command = program
    .command('critical-path')
    .description('show the chain of unfinished tasks with the most estimated hours, first to last')
    .option('--json', 'print the chain and total as JSON')
    .action(async (options: { json?: boolean }) => {
      const graph = await loadGraph(command);
      const path = criticalPath(graph);
      if (options.json) return printJson(path);
      if (path.tasks.length === 0) return print('No unfinished tasks.');
      print(
        table(
          ['#', 'ID', 'STATUS', 'HOURS', 'TITLE'],
          path.tasks.map((step, at) => [
            String(at + 1),
            step.id,
            status(step.status),
            formatHours(step.hours),
            truncate(step.title, 60),
          ]),
        ),
      );
      print(
        `\ntotal: ${colors.bold(formatHours(path.totalHours))} over ${path.tasks.length} task${path.tasks.length === 1 ? '' : 's'} ${colors.dim('(no estimate counts as 1h)')}`,
      );
      if (path.tasksOnCycles > 0)
        print(
          colors.yellow(
            `warning: ${path.tasksOnCycles} tasks are on dependency cycles; the dependencies among them were ignored (\`wg check\` lists the cycles)`,
          ),
        );
    });
  examples(command, 'wg critical-path', 'wg critical-path --json | jq .totalHours');
}
