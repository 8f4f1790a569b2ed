import type { Command } from 'commander';
import { impact } from '../../graph/analysis.js';
import { loadGraph } from '../context.js';
import { examples } from '../help.js';
import { formatHours } from '../../graph/format.js';
import { colors, print, printJson, status, table, truncate } from '../output.js';

export function register(program: Command): void {
  const command = program
    .command('impact')
    .description('list every task that waits for a task, directly or indirectly, and the hours held up')
    .argument('<id>', 'the task')
    .option('--json', 'print the dependents and hours as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const graph = await loadGraph(command);
      const result = impact(graph, id);
      if (options.json) return printJson(result);
      if (result.dependents.length === 0) return print(`Nothing waits for ${id}.`);
      print(
        table(
          ['DEPTH', 'ID', 'STATUS', 'HOURS', 'TITLE'],
          result.dependents.map((entry) => [
            String(entry.depth),
            entry.id,
            status(entry.status),
            formatHours(entry.hours),
            truncate(entry.title, 60),
          ]),
        ),
      );
      const count = result.dependents.length;
      print(
        `\n${count} task${count === 1 ? '' : 's'} wait${count === 1 ? 's' : ''} for ${colors.bold(id)}; ${formatHours(result.hoursAtStake)} of unfinished work at stake ${colors.dim('(no estimate counts as 1h)')}`,
      );
    });
  examples(command, 'wg impact design-api', 'wg impact design-api --json | jq .hoursAtStake');
}
