import type { Command } from 'commander';
import { dependencyIndex, unsatisfiedBlockers, whyBlocked, type BlockerTree } from '../../graph/deps.js';
import { getTask } from '../../graph/model.js';
import { loadGraph } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson, status, table } from '../output.js';

function renderTree(nodes: BlockerTree[], indent: string): string[] {
  return nodes.flatMap((node, i) => {
    const last = i === nodes.length - 1;
    const state = node.status === 'missing' ? colors.red('no such task') : status(node.status);
    const label = `${node.id} ${state}${node.title ? colors.dim(` ${node.title}`) : ''}${node.seen ? colors.dim(' (see above)') : ''}`;
    const cause = node.blockedBy.length === 0 && !node.seen ? colors.dim(rootCause(node)) : '';
    return [
      `${indent}${last ? '└─' : '├─'} ${label}${cause}`,
      ...renderTree(node.blockedBy, `${indent}${last ? '   ' : '│  '}`),
    ];
  });
}

function rootCause(node: BlockerTree): string {
  switch (node.status) {
    case 'missing':
      return ' ← add it, or remove the dependency';
    case 'failed':
      return ' ← failed: retry or abandon it';
    case 'open':
      return ' ← ready to be claimed';
    case 'in-progress':
      return ' ← being worked on';
    case 'pending-review':
      return ' ← waiting for review';
    case 'pending-validation':
      return ' ← its result waits for wg approve or wg reject';
    case 'waiting':
      return ' ← waits on a person: `wg show` says for what (`wg answer` a question, `wg done` a human task)';
    case 'blocked':
    case 'pending-eval':
    case 'failed-pending-eval':
    case 'incomplete':
      return ` ← ${node.status} (set by the Rust wg: its tools move it on, or wg done / wg abandon)`;
    default:
      return '';
  }
}

export function register(program: Command): void {
  const blocked = program
    .command('blocked')
    .description('list the direct blockers of a task that are not yet done')
    .argument('<id>', 'the task')
    .option('--json', 'print the blockers as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const graph = await loadGraph(blocked);
      getTask(graph, id);
      const blockers = unsatisfiedBlockers(graph, dependencyIndex(graph), id);
      if (options.json) return printJson(blockers.map((b) => ({ ...b, title: graph.tasks.get(b.id)?.title })));
      if (blockers.length === 0) return print(`${id} is not blocked.`);
      print(
        table(
          ['BLOCKER', 'STATUS', 'TITLE'],
          blockers.map((b) => [
            b.id,
            b.status === 'missing' ? colors.red('missing') : status(b.status),
            graph.tasks.get(b.id)?.title ?? '',
          ]),
        ),
      );
    });
  examples(blocked, 'wg blocked build-api');

  const why = program
    .command('why-blocked')
    .description('explain, down to the root causes, why a task cannot start')
    .argument('<id>', 'the task')
    .option('--json', 'print the explanation tree as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const graph = await loadGraph(why);
      const task = getTask(graph, id);
      const tree = whyBlocked(graph, id);
      if (options.json) return printJson({ id, status: task.status, blockedBy: tree });
      if (tree.length === 0)
        return print(`${id} is not blocked${task.status === 'open' ? ' (it is ready)' : ` (status ${task.status})`}.`);
      print(`${colors.bold(id)} waits for:`);
      for (const line of renderTree(tree, '')) print(line);
    });
  examples(why, 'wg why-blocked deploy');
}
