import { Command, InvalidArgumentError } from 'commander';
import { setProgress } from '../../graph/transitions.js';
import { callerFor, openWorkspace, withLeaseOptions, type LeaseOptions } from '../context.js';
import { examples } from '../help.js';
import { print, printJson } from '../output.js';

function parsePercent(value: string): number {
  const percent = Number(value.replace(/%$/, ''));
  if (value.trim() === '' || !Number.isFinite(percent) || percent < 0 || percent > 100)
    throw new InvalidArgumentError('expected a percentage from 0 to 100');
  return percent;
}

export function register(program: Command): void {
  const command = withLeaseOptions(
    program
      .command('progress')
      .description('record how far a task is (0-100), with an optional message for its log')
      .argument('<id>', 'the task')
      .argument('<percent>', '0 to 100', parsePercent)
      .argument('[message]', 'what was just done'),
  )
    .option('--json', 'print the task as JSON')
    .action(
      async (id: string, percent: number, message: string | undefined, options: LeaseOptions & { json?: boolean }) => {
        const { store } = await openWorkspace(command);
        const task = await store.transact((graph) => setProgress(graph, id, callerFor(id, options), percent, message));
        if (options.json) printJson(task);
        else print(`${id}: ${percent}%`);
      },
    );
  examples(command, 'wg progress build-api 40 "handlers compile"');
}
