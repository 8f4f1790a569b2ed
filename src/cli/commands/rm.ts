import type { Command } from 'commander';
import { removeTask } from '../../graph/remove.js';
import { openWorkspace } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson } from '../output.js';

export function register(program: Command): void {
  const command = program
    .command('rm')
    .description('remove a task (a mistyped one, say); refused while others wait for it unless --force')
    .argument('<id>', 'the task')
    .option(
      '--force',
      "remove it even if others wait for it: it is dropped from their blocked_by (and from other tasks' blocks)",
    )
    .option('--json', 'print what was removed and which tasks lost a reference to it')
    .action(async (id: string, options: { force?: boolean; json?: boolean }) => {
      const { store } = await openWorkspace(command);
      const result = await store.transact((graph) => removeTask(graph, id, { force: options.force ?? false }));
      if (options.json) return printJson({ removed: result.removed.id, unlinked: result.unlinked });
      print(
        `Removed ${colors.bold(id)}${result.unlinked.length > 0 ? `; no longer referenced by ${result.unlinked.join(', ')}` : ''}`,
      );
    });
  examples(command, 'wg rm biuld-api', 'wg rm old-spike --force');
}
