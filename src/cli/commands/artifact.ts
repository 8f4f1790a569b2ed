import type { Command } from 'commander';
import { getTask } from '../../graph/model.js';
import { addArtifact, removeArtifact } from '../../graph/transitions.js';
import { projectRelative } from '../../system/paths.js';
import { callerFor, openWorkspace, withLeaseOptions, type LeaseOptions } from '../context.js';
import { examples } from '../help.js';
import { print, printJson } from '../output.js';

export function register(program: Command): void {
  const command = withLeaseOptions(
    program
      .command('artifact')
      .description("list a task's artifacts, or register (or --remove) a file it produced")
      .argument('<id>', 'the task')
      .argument('[path]', 'a file inside the project, relative to the current folder'),
  )
    .option('--remove', 'remove the artifact instead of adding it')
    .option('--json', 'print the artifact list as JSON')
    .action(
      async (id: string, path: string | undefined, options: LeaseOptions & { remove?: boolean; json?: boolean }) => {
        const { store, root } = await openWorkspace(command);
        if (path === undefined) {
          const artifacts = getTask(await store.load(), id).artifacts ?? [];
          if (options.json) return printJson(artifacts);
          return print(artifacts.length === 0 ? `No artifacts for ${id}.` : artifacts.join('\n'));
        }
        const relativePath = projectRelative(root, process.cwd(), path, 'artifact');
        const change = options.remove ? removeArtifact : addArtifact;
        const task = await store.transact((graph) => change(graph, id, callerFor(id, options), relativePath));
        if (options.json) printJson(task.artifacts ?? []);
        else print(`${options.remove ? 'Removed' : 'Registered'} ${relativePath} for ${id}`);
      },
    );
  examples(
    command,
    'wg artifact build-api src/api.rs',
    'wg artifact build-api',
    'wg artifact build-api old.txt --remove',
  );
}
