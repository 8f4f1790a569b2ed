import type { Command } from 'commander';
import { InvalidInputError } from '../../errors.js';
import { hashToken, newToken } from '../../graph/lease.js';
import { claimTask } from '../../graph/transitions.js';
import { reserveTrajectory } from '../../graph/trajectory-reserve.js';
import { defaultActor, openWorkspace, type Workspace } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson } from '../output.js';
import { parseCount } from '../flag-parsers.js';
import { planFrom, printTrajectory } from './trajectory.js';

interface ClaimFlags {
  actor?: string;
  force?: boolean;
  json?: boolean;
  trajectory?: string;
  maxSteps?: number;
}

/** Plan and reserve in one transaction, so the plan cannot go stale between the two. */
async function claimTrajectory(
  workspace: Workspace,
  start: string,
  actorId: string,
  options: ClaimFlags,
): Promise<void> {
  const contextLimit = (await workspace.config()).defaults.context_limit;
  const token = newToken();
  const by = { actor: actorId, now: new Date(), force: options.force };
  const { trajectory, reservation } = await workspace.store.transact((graph) => {
    // An unregistered actor (a person claiming by name) is planned for without eligibility checks, as plain `wg claim` allows.
    const trajectory = planFrom(graph, {
      start,
      actor: graph.actors.get(actorId),
      maxSteps: options.maxSteps,
      contextLimit,
      now: by.now,
    });
    return { trajectory, reservation: reserveTrajectory(graph, trajectory, by, { tokenHash: hashToken(token) }) };
  });
  const claim = reservation.head.claim!;
  const reserved = reservation.reserved.map((task) => task.id);
  if (options.json)
    return printJson({
      task: start,
      actor: actorId,
      attempt: claim.attempt,
      token,
      since: claim.since,
      reserved,
      trajectory,
    });
  print(
    `Claimed ${colors.bold(start)} for ${actorId} (attempt ${claim.attempt})${reserved.length > 0 ? `; reserved ${reserved.join(', ')}` : ''}`,
  );
  print(`token: ${token}`);
  print(
    colors.dim(
      `an agent passes it as WG_TASK_ID=${start} WG_TOKEN=<token>; each reserved step is claimed by ${actorId} when its turn comes`,
    ),
  );
  print();
  printTrajectory(trajectory);
}

export function register(program: Command): void {
  const command = program
    .command('claim')
    .description(
      'take the lease on a ready task (or reserve a whole trajectory); prints the token that done/fail/log need from an agent',
    )
    .argument('[id]', 'the task')
    .option('--actor <id>', 'who claims it (default: $WG_ACTOR, else your user name)')
    .option('--force', 'claim even if the task is not ready (blocked or not yet due)')
    .option(
      '--trajectory <task>',
      'claim this task and reserve the trajectory planned from it (see `wg trajectory`), all or nothing',
    )
    .option('--max-steps <n>', 'with --trajectory: at most this many steps (default 5)', parseCount)
    .option('--json', 'print the lease as JSON, token included')
    .action(async (id: string | undefined, options: ClaimFlags) => {
      const workspace = await openWorkspace(command);
      const actor = options.actor ?? defaultActor();
      if (options.trajectory !== undefined) {
        if (id !== undefined) throw new InvalidInputError('give either a task or --trajectory <task>, not both');
        return claimTrajectory(workspace, options.trajectory, actor, options);
      }
      if (id === undefined)
        throw new InvalidInputError('name the task to claim', '`wg ready` lists the tasks that can be claimed');
      if (options.maxSteps !== undefined) throw new InvalidInputError('--max-steps only applies with --trajectory');
      const token = newToken();
      const task = await workspace.store.transact((graph) =>
        claimTask(graph, id, { actor, now: new Date(), force: options.force }, { tokenHash: hashToken(token) }),
      );
      const attempt = task.claim!.attempt;
      if (options.json) return printJson({ task: id, actor, attempt, token, since: task.claim!.since });
      print(`Claimed ${colors.bold(id)} for ${actor} (attempt ${attempt})`);
      print(`token: ${token}`);
      print(colors.dim(`an agent passes it as WG_TASK_ID=${id} WG_TOKEN=<token>, or --token <token>`));
    });
  examples(
    command,
    'wg claim build-api --actor alice',
    'TOKEN=$(wg claim build-api --actor bot --json | jq -r .token)',
    'wg claim --trajectory design-api --actor claude-1 --max-steps 3',
  );
}
