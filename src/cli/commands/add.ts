import type { Command } from 'commander';
import { openWorkspace } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson } from '../output.js';
import { assertPathsInsideProject } from '../project-paths.js';
import { addTaskFlags, changesFromFlags } from '../task-flags.js';

export function register(program: Command): void {
  const command = program
    .command('add')
    .description('add a task (its id comes from the title unless --id is given)')
    .argument('<title>', 'what the task is called')
    .option('--id <id>', 'choose the id instead of deriving it from the title')
    .option(
      '--allow-phantom',
      'let --blocked-by name a task that does not exist yet (wg check reports it until it does)',
    )
    .option('--json', 'print the new task as JSON');
  addTaskFlags(command, 'add');
  command.action(async (title: string, options: Record<string, unknown>) => {
    const { store, root } = await openWorkspace(command);
    const changes = changesFromFlags(options);
    assertPathsInsideProject(root, changes);
    // Loaded here, not at start-up: it brings in zod, which read-only commands do not need.
    const { addTask } = await import('../../graph/edit.js');
    const result = await store.transact((graph) =>
      addTask(graph, { id: options.id as string | undefined, title, ...changes }, new Date(), {
        allowPhantom: options.allowPhantom === true,
      }),
    );
    if (options.json) return printJson(result.task);
    print(`Added ${colors.bold(result.task.id)}`);
    for (const blocker of result.unknownBlockers)
      print(
        colors.yellow(
          `warning: blocker ${blocker} does not exist yet; ${result.task.id} stays blocked until it does and is done (wg check reports it as an error until then)`,
        ),
      );
  });
  examples(
    command,
    'wg add "Design API" --skill design -d "Sketch the endpoints"',
    'wg add "Build API" --blocked-by design-api --skill rust --deliverable src/api.rs --verify "cargo test"',
  );
}
