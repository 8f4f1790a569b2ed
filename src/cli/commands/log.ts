import type { Command } from 'commander';
import { getTask } from '../../graph/model.js';
import { appendLog } from '../../graph/transitions.js';
import { callerFor, openWorkspace, withLeaseOptions, type LeaseOptions } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson } from '../output.js';

export function register(program: Command): void {
  const command = withLeaseOptions(
    program
      .command('log')
      .description("show a task's log, or append a message to it")
      .argument('<id>', 'the task')
      .argument('[message]', 'append this message instead of listing'),
  )
    .option('--json', 'print the log (or the new entry) as JSON')
    .action(async (id: string, message: string | undefined, options: LeaseOptions & { json?: boolean }) => {
      const { store } = openWorkspace(command);
      if (message === undefined) {
        const log = getTask(await store.load(), id).log ?? [];
        if (options.json) return printJson(log);
        if (log.length === 0) return print(`No log entries for ${id}.`);
        for (const entry of log) print(`${colors.dim(entry.timestamp)} ${entry.actor ?? ''}: ${entry.message}`);
        return;
      }
      const task = await store.transact((graph) => appendLog(graph, id, callerFor(id, options), message));
      if (options.json) printJson(task.log!.at(-1));
    });
  examples(command, 'wg log build-api', 'wg log build-api "schema migrated; starting on handlers"');
}
