import type { Command } from 'commander';
import type { Graph } from '../../graph/model.js';
import type { WgWorktree } from '../../worktree/inventory.js';
import { openWorkspace } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson, table } from '../output.js';

type State = 'running' | 'unlanded' | 'failed' | 'orphaned';

/**
 * Running: its task's current attempt. Unlanded: work that succeeded but git would not land
 * (only this tree holds it). Failed: kept for inspection. Orphaned: left by a run that died.
 */
function stateOf(tree: WgWorktree, graph: Graph): State {
  const task = graph.tasks.get(tree.task);
  if (task?.status === 'in-progress' && task.claim?.attempt === tree.attempt) return 'running';
  if (tree.unlanded) return 'unlanded';
  return tree.failed !== undefined ? 'failed' : 'orphaned';
}

async function inventory(command: Command) {
  const workspace = await openWorkspace(command);
  const { findRepo } = await import('../../worktree/repo.js');
  const inventoryModule = await import('../../worktree/inventory.js');
  const repo = await findRepo(workspace.root);
  const graph = await workspace.store.load();
  if ('none' in repo) return { workspace, repo: undefined, graph, trees: [] as WgWorktree[], inventoryModule };
  return {
    workspace,
    repo,
    graph,
    trees: await inventoryModule.listWgWorktrees(repo.top, workspace.dir),
    inventoryModule,
  };
}

export function register(program: Command): void {
  const worktree = program
    .command('worktree')
    .description('the git worktrees of isolated attempts: list them, and prune those no attempt needs');

  const list = worktree
    .command('list')
    .description("list wg's worktrees: task, attempt, state (running, unlanded, failed, orphaned), branch and path")
    .option('--json', 'print them as JSON')
    .action(async (options: { json?: boolean }) => {
      const { graph, trees } = await inventory(list);
      const rows = trees.map((tree) => ({ ...tree, state: stateOf(tree, graph) }));
      if (options.json) return printJson(rows);
      if (rows.length === 0) return print('No wg worktrees.');
      const paint = (state: State) =>
        state === 'running' ? colors.green(state) : state === 'failed' ? colors.red(state) : colors.yellow(state);
      // A reason can span lines (all git said): the table shows its first.
      print(
        table(
          ['TASK', 'ATTEMPT', 'STATE', 'BRANCH', 'PATH', 'WHY'],
          rows.map((row) => [
            row.task,
            String(row.attempt),
            paint(row.state),
            row.branch,
            row.path,
            row.failed?.split('\n')[0] ?? '',
          ]),
        ),
      );
    });
  examples(list, 'wg worktree list', 'wg worktree list --json');

  const prune = worktree
    .command('prune')
    .description(
      "remove the worktrees (and branches) of failed attempts and of runs that died; a running attempt's is kept, and so is work that did not land unless --task names its task",
    )
    .option('--task <id>', "only this task's worktrees")
    .option('--json', 'print the removed worktrees as JSON')
    .action(async (options: { task?: string; json?: boolean }) => {
      const { workspace, repo, graph, trees, inventoryModule } = await inventory(prune);
      // Work that succeeded but did not land lives only in its tree: removed only when asked for by task.
      const removable = (tree: WgWorktree) =>
        stateOf(tree, graph) !== 'running' &&
        (options.task === undefined ? stateOf(tree, graph) !== 'unlanded' : tree.task === options.task);
      const removed = repo ? await inventoryModule.pruneWorktrees(repo.top, workspace.dir, removable) : [];
      if (options.json) return printJson(removed);
      print(
        removed.length === 0
          ? 'Nothing to prune.'
          : `Removed ${removed.length} worktree${removed.length === 1 ? '' : 's'}: ${removed.map((tree) => `${tree.task}/${tree.attempt}`).join(', ')}`,
      );
      const kept = options.task === undefined ? trees.filter((tree) => stateOf(tree, graph) === 'unlanded') : [];
      for (const tree of kept)
        print(
          `Kept ${tree.task}/${tree.attempt}: its work did not land (\`wg diff ${tree.task} --attempt ${tree.attempt}\` shows it; \`wg worktree prune --task ${tree.task}\` removes it)`,
        );
    });
  examples(prune, 'wg worktree prune', 'wg worktree prune --task build-api');
  examples(worktree, 'wg worktree list', 'wg worktree prune');
}
