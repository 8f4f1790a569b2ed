/** done, fail, abandon, unclaim and retry: one lease-checked transition each. */
import type { Command } from 'commander';
import type { Graph } from '../../graph/model.js';
import type { Task } from '../../graph/schema.js';
import { abandonTask, completeTask, failTask, retryTask, unclaimTask, type Caller } from '../../graph/transitions.js';
import { callerFor, openWorkspace, withLeaseOptions, type LeaseOptions } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson, status } from '../output.js';

interface Options extends LeaseOptions {
  reason?: string;
  json?: boolean;
  reset?: boolean;
}

type Transition = (graph: Graph, id: string, by: Caller, options: Options, defaultMaxRetries: number) => Task;

function define(
  program: Command,
  name: string,
  description: string,
  transition: Transition,
  example: string[],
  reason?: 'required' | 'optional',
): Command {
  const command = withLeaseOptions(program.command(name).description(description).argument('<id>', 'the task'));
  if (name === 'retry')
    command.option(
      '--reset',
      'start over: the retry count goes back to 0 (max_retries is not in the way) and the last failure is cleared from the next prompt',
    );
  if (reason === 'required') command.requiredOption('--reason <text>', 'why (recorded as failure_reason)');
  if (reason === 'optional') command.option('--reason <text>', 'why (recorded in the log)');
  command.option('--json', 'print the task as JSON').action(async (id: string, options: Options) => {
    const workspace = await openWorkspace(command);
    const maxRetries = name === 'retry' ? (await workspace.config()).defaults.max_retries : 0;
    const task = await workspace.store.transact((graph) =>
      transition(graph, id, callerFor(id, options), options, maxRetries),
    );
    if (options.json) return printJson(task);
    print(`${colors.bold(id)} is now ${status(task.status)}`);
    if (name === 'fail') print(colors.dim(`next: wg show ${id} · wg retry ${id}`));
    if (name === 'retry') print(colors.dim(`next: wg run ${id}`));
  });
  examples(command, ...example);
  return command;
}

export function register(program: Command): void {
  define(
    program,
    'done',
    'mark a task done (an agent must hold the current lease)',
    (graph, id, by) => completeTask(graph, id, by),
    ['wg done build-api'],
  );
  define(
    program,
    'fail',
    'mark a task failed with a reason; counts toward max_retries',
    (graph, id, by, options) => failTask(graph, id, by, options.reason!),
    ['wg fail build-api --reason "tests do not compile"'],
    'required',
  );
  define(
    program,
    'abandon',
    'give a task up for good; its dependents may proceed',
    (graph, id, by, options) => abandonTask(graph, id, by, options.reason!),
    ['wg abandon old-spike --reason "superseded by new-design"'],
    'required',
  );
  define(
    program,
    'unclaim',
    'release the lease and reopen the task',
    (graph, id, by, options) => unclaimTask(graph, id, by, options.reason),
    ['wg unclaim build-api --reason "handing over"'],
    'optional',
  );
  define(
    program,
    'retry',
    'reopen a failed task unless it has used up max_retries (--reset starts the count over)',
    (graph, id, by, options, max) => retryTask(graph, id, by, max, { reset: options.reset ?? false }),
    ['wg retry build-api', 'wg retry build-api --reset'],
  );
}
