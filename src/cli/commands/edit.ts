import type { Command } from 'commander';
import { openWorkspace } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson } from '../output.js';
import { assertPathsInsideProject } from '../project-paths.js';
import { addTaskFlags, changesFromFlags } from '../task-flags.js';

export function register(program: Command): void {
  const command = program
    .command('edit')
    .description('change a task: set fields, add to lists (--tag x) or remove from them (--remove-tag x)')
    .argument('<id>', 'the task')
    .option(
      '--allow-phantom',
      'let --blocked-by name a task that does not exist yet (wg check reports it until it does)',
    )
    .option('--json', 'print the changed task as JSON');
  addTaskFlags(command, 'edit');
  command.action(async (id: string, options: Record<string, unknown>) => {
    const { store, root } = await openWorkspace(command);
    const changes = changesFromFlags(options);
    assertPathsInsideProject(root, changes);
    // Loaded here, not at start-up: it brings in zod, which read-only commands do not need.
    const { editTask } = await import('../../graph/edit.js');
    const result = await store.transact((graph) =>
      editTask(graph, id, changes, { allowPhantom: options.allowPhantom === true }),
    );
    if (options.json) return printJson(result.task);
    print(`Updated ${colors.bold(id)}`);
    for (const blocker of result.unknownBlockers)
      print(
        colors.yellow(
          `warning: blocker ${blocker} does not exist yet; ${id} stays blocked until it does and is done (wg check reports it as an error until then)`,
        ),
      );
  });
  examples(
    command,
    'wg edit build-api --blocked-by write-spec --remove-tag draft',
    'wg edit build-api --timeout 45m --max-retries 3',
  );
}
