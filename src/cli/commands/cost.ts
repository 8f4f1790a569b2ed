import type { Command } from 'commander';
import type { Task } from '../../graph/schema.js';
import { formatUsd } from '../../graph/format.js';
import { loadGraph } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson, table } from '../output.js';

interface Line {
  key: string;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  attempts: number;
}

/** Attempts' spend added up under `keyOf` (task, backend or model), dearest first. */
function group(tasks: Task[], keyOf: (task: Task, backend: string, model: string) => string): Line[] {
  const lines = new Map<string, Line>();
  for (const task of tasks) {
    for (const entry of task.costs ?? []) {
      const key = keyOf(task, entry.backend, entry.model ?? '(default)');
      const line = lines.get(key) ?? { key, costUsd: 0, inputTokens: 0, outputTokens: 0, attempts: 0 };
      line.costUsd += entry.cost_usd;
      line.inputTokens += entry.input_tokens ?? 0;
      line.outputTokens += entry.output_tokens ?? 0;
      line.attempts++;
      lines.set(key, line);
    }
  }
  return [...lines.values()]
    .map((line) => ({ ...line, costUsd: Math.round(line.costUsd * 1e6) / 1e6 }))
    .sort((a, b) => b.costUsd - a.costUsd || a.key.localeCompare(b.key));
}

export function register(program: Command): void {
  const command = program
    .command('cost')
    .description("what agent runs have spent: by task, by backend and by model (from each attempt's recorded usage)")
    .option('--json', 'print the totals as JSON')
    .action(async (options: { json?: boolean }) => {
      const graph = await loadGraph(command);
      const tasks = [...graph.tasks.values()];
      const byTask = group(tasks, (task) => task.id);
      const byBackend = group(tasks, (_, backend) => backend);
      const byModel = group(tasks, (_, __, model) => model);
      const totalUsd = Math.round(byTask.reduce((sum, line) => sum + line.costUsd, 0) * 1e6) / 1e6;
      const unpriced = tasks.flatMap((task) =>
        (task.costs ?? []).filter((entry) => entry.priced === false).map((entry) => `${task.id}#${entry.attempt}`),
      );
      if (options.json)
        return printJson({
          total_usd: totalUsd,
          by_task: byTask,
          by_backend: byBackend,
          by_model: byModel,
          unpriced_attempts: unpriced,
        });
      if (byTask.length === 0)
        return print("No spend recorded yet: wg records it from the agents' usage reports as tasks run.");
      const rows = (lines: Line[]) =>
        lines.map((line) => [
          line.key,
          formatUsd(line.costUsd),
          String(line.attempts),
          String(line.inputTokens),
          String(line.outputTokens),
        ]);
      print(table(['TASK', 'COST', 'ATTEMPTS', 'INPUT TOKENS', 'OUTPUT TOKENS'], rows(byTask)));
      print();
      print(table(['BACKEND', 'COST', 'ATTEMPTS', 'INPUT TOKENS', 'OUTPUT TOKENS'], rows(byBackend)));
      print();
      print(table(['MODEL', 'COST', 'ATTEMPTS', 'INPUT TOKENS', 'OUTPUT TOKENS'], rows(byModel)));
      print();
      print(colors.bold(`total: ${formatUsd(totalUsd)}`));
      if (unpriced.length > 0)
        print(
          colors.yellow(
            `${unpriced.length} attempt(s) used a model with no price under [prices] in config.toml, so their tokens are not in these dollars: ${unpriced.slice(0, 5).join(', ')}`,
          ),
        );
    });
  examples(command, 'wg cost', 'wg cost --json | jq .total_usd');
}
