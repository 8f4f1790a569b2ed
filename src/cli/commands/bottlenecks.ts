import { Command, InvalidArgumentError } from 'commander';
import { bottlenecks } from '../../graph/analysis.js';
import { loadGraph } from '../context.js';
import { examples } from '../help.js';
import { print, printJson, status, table, truncate } from '../output.js';
import { parseCount } from '../flag-parsers.js';

function parseLimit(value: string): number {
  const limit = parseCount(value);
  if (limit < 1) throw new InvalidArgumentError('expected at least 1');
  return limit;
}

export function register(program: Command): void {
  const command = program
    .command('bottlenecks')
    .description('rank unfinished tasks by how many unfinished tasks wait for them, directly or indirectly')
    .option('--limit <n>', 'how many to show', parseLimit, 10)
    .option('--json', 'print the ranking as JSON')
    .action(async (options: { limit: number; json?: boolean }) => {
      const graph = await loadGraph(command);
      const ranked = bottlenecks(graph, options.limit);
      if (options.json) return printJson(ranked);
      if (ranked.length === 0) return print('No unfinished task has anything waiting for it.');
      print(
        table(
          ['ID', 'STATUS', 'WAITING', 'DIRECT', 'TITLE'],
          ranked.map((entry) => [
            entry.id,
            status(entry.status),
            String(entry.waiting),
            String(entry.direct),
            truncate(entry.title, 60),
          ]),
        ),
      );
    });
  examples(command, 'wg bottlenecks', 'wg bottlenecks --limit 3 --json');
}
