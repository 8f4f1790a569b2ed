import type { Command } from 'commander';
import { InvalidInputError } from '../../errors.js';
import { getActor, type Graph } from '../../graph/model.js';
import type { Actor } from '../../graph/schema.js';
import { planTrajectory, trajectoryForActor, type StopReason, type Trajectory } from '../../graph/trajectory.js';
import { openWorkspace } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson } from '../output.js';
import { parseCount } from '../flag-parsers.js';

export interface PlanRequest {
  start: string | undefined;
  actor: Actor | undefined;
  maxSteps: number | undefined;
  /** config's defaults.context_limit, for an actor without its own. */
  contextLimit: number | undefined;
  now: Date;
}

/** From a named task, else from the actor's best ready task. */
export function planFrom(graph: Graph, request: PlanRequest): Trajectory {
  const options = { maxSteps: request.maxSteps, contextLimit: request.contextLimit, now: request.now };
  if (request.start !== undefined) return planTrajectory(graph, request.start, { ...options, actor: request.actor });
  if (!request.actor)
    throw new InvalidInputError('name the task to start from, or --actor to start from its best ready task');
  return trajectoryForActor(graph, request.actor, options);
}

const STOPPED: Record<StopReason, string> = {
  'max-steps': 'reached --max-steps',
  'context-limit': 'the next step would not fit the context limit',
  'no-coherent-next-step': 'no runnable task shares context with the chain',
};

export function describeStop(trajectory: Trajectory): string {
  return `stopped: ${STOPPED[trajectory.stoppedBecause]} (${trajectory.stoppedBecause})`;
}

export function printTrajectory(trajectory: Trajectory): void {
  const limit = trajectory.contextLimit === undefined ? 'no context limit' : `context limit ${trajectory.contextLimit}`;
  const count = `${trajectory.steps.length} step${trajectory.steps.length === 1 ? '' : 's'}`;
  print(
    `Trajectory from ${colors.bold(trajectory.start)}${trajectory.actor ? ` for ${trajectory.actor}` : ''}: ${count}, ~${trajectory.totalTokens} tokens (${limit})`,
  );
  trajectory.steps.forEach((step, i) => {
    print(`\n${i + 1}. ${colors.bold(step.id)}  ${step.title}`);
    print(colors.dim(`   score ${step.score}, ~${step.estimatedTokens} tokens`));
    if (step.receives.length > 0) print(`   receives: ${step.receives.join(', ')}`);
    if (step.shares.length > 0) print(`   shares:   ${step.shares.join(', ')}`);
    if (step.produces.length > 0) print(`   produces: ${step.produces.join(', ')}`);
  });
  print(colors.dim(`\n${describeStop(trajectory)}`));
}

export interface TrajectoryFlags {
  actor?: string;
  maxSteps?: number;
  json?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('trajectory')
    .description(
      'plan a chain of tasks one agent can walk in a row, each sharing context with the steps before it (nothing is claimed)',
    )
    .argument('[task]', 'the ready task to start from (default: the best ready task for --actor)')
    .option('--actor <id>', 'a registered actor: every step must suit it, and its context_limit caps the chain')
    .option('--max-steps <n>', 'at most this many steps (default 5)', parseCount)
    .option('--json', 'print the trajectory as JSON')
    .addHelpText(
      'after',
      '\nScore of a next step: +3 per input an earlier step produces, +2 per shared context file, +1 per shared skill or tag.',
    )
    .action(async (start: string | undefined, options: TrajectoryFlags) => {
      const workspace = await openWorkspace(command);
      const graph = await workspace.store.load();
      const actor = options.actor === undefined ? undefined : getActor(graph, options.actor);
      const contextLimit = (await workspace.config()).defaults.context_limit;
      const trajectory = planFrom(graph, { start, actor, maxSteps: options.maxSteps, contextLimit, now: new Date() });
      if (options.json) return printJson(trajectory);
      printTrajectory(trajectory);
      print(
        colors.dim(`\`wg claim --trajectory ${trajectory.start} --actor ${trajectory.actor ?? '<id>'}\` reserves it`),
      );
    });
  examples(
    command,
    'wg trajectory design-api --actor claude-1',
    'wg trajectory --actor claude-1 --max-steps 3',
    'wg trajectory design-api --json | jq -r ".steps[].id"',
  );
}
