import type { Command } from 'commander';
import { getTask } from '../../graph/model.js';
import type { LogEntry } from '../../graph/schema.js';
import type { WorkspaceStore } from '../../store/store.js';
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
    .option('-f, --follow', 'keep printing new entries while the task is in progress')
    .action(
      async (id: string, message: string | undefined, options: LeaseOptions & { json?: boolean; follow?: boolean }) => {
        const { store } = await openWorkspace(command);
        if (options.follow) return follow(store, id, options.json ?? false);
        if (message === undefined) {
          const log = getTask(await store.load(), id).log ?? [];
          if (options.json) return printJson(log);
          if (log.length === 0) return print(`No log entries for ${id}.`);
          for (const entry of log) print(entryLine(entry));
          return;
        }
        const task = await store.transact((graph) => appendLog(graph, id, callerFor(id, options), message));
        if (options.json) printJson(task.log!.at(-1));
      },
    );
  examples(
    command,
    'wg log build-api',
    'wg log build-api "schema migrated; starting on handlers"',
    'wg log build-api --follow',
  );
}

function printEntry(entry: LogEntry, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify(entry)}\n`);
  else print(entryLine(entry));
}

/** An entry's first line after its time and actor; further lines (a failed check's output) indented under it. */
function entryLine(entry: LogEntry): string {
  const [first, ...rest] = entry.message.split('\n');
  return [`${colors.dim(entry.timestamp)} ${entry.actor ?? ''}: ${first}`, ...rest.map((line) => `    | ${line}`)].join(
    '\n',
  );
}

/**
 * Tail a task's log: print what is there, then new entries as the store reports changes
 * (a folder watch, or LISTEN on PostgreSQL; no polling), until the task leaves in-progress.
 */
async function follow(store: WorkspaceStore, id: string, json: boolean): Promise<void> {
  let shown = 0;
  // Set by the watch, cleared before each read.
  let changed: boolean;
  let wake: (() => void) | undefined;
  const stop = await store.watch(() => {
    changed = true;
    wake?.();
  });
  try {
    for (;;) {
      changed = false;
      const task = getTask(await store.load(), id);
      const log = task.log ?? [];
      for (const entry of log.slice(shown)) printEntry(entry, json);
      shown = log.length;
      if (task.status !== 'in-progress' && task.status !== 'open') {
        if (!json) print(colors.dim(`${id} is ${task.status}`));
        return;
      }
      // A change that landed while we read is not waited for again.
      if (!changed) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    await stop();
  }
}
