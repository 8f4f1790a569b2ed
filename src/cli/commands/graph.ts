import { Command, InvalidArgumentError, Option } from 'commander';
import { graphView, renderDot, renderMermaid, renderText } from '../../graph/render.js';
import { TASK_STATUSES } from '../../graph/types.js';
import { loadGraph } from '../context.js';
import { examples } from '../help.js';
import { print, printJson } from '../output.js';
import { collect } from '../flag-parsers.js';

/** `blocked` is also what an open task waiting on its blockers shows as. */
const SHOWN_STATUSES: readonly string[] = TASK_STATUSES;

function collectStatuses(value: string, previous: string[] = []): string[] {
  const statuses = collect(value, previous);
  const unknown = statuses.filter((status) => !SHOWN_STATUSES.includes(status));
  if (unknown.length > 0)
    throw new InvalidArgumentError(`unknown status ${unknown.join(', ')} (choose from ${SHOWN_STATUSES.join(', ')})`);
  return statuses;
}

export function register(program: Command): void {
  const command = program
    .command('graph')
    .description('draw the dependency graph: layered text, Graphviz DOT, Mermaid or JSON')
    .addOption(
      new Option('--format <format>', 'text for people, dot for Graphviz, mermaid for Markdown, json for scripts')
        .choices(['text', 'dot', 'mermaid', 'json'])
        .default('text'),
    )
    .option(
      '--status <status>',
      'only tasks with this status; `open` includes blocked (repeatable, or a comma list)',
      collectStatuses,
    )
    .action(async (options: { format: string; status?: string[] }) => {
      const graph = await loadGraph(command);
      const view = graphView(graph, options.status ? new Set(options.status) : undefined);
      if (options.format === 'json') return printJson(view);
      const render = options.format === 'dot' ? renderDot : options.format === 'mermaid' ? renderMermaid : renderText;
      print(render(view));
    });
  examples(
    command,
    'wg graph',
    'wg graph --status open,in-progress',
    'wg graph --format dot | dot -Tsvg > graph.svg',
    'wg graph --format mermaid',
  );
}
