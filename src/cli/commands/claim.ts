import type { Command } from 'commander';
import { hashToken, newToken } from '../../graph/lease.js';
import { claimTask } from '../../graph/transitions.js';
import { defaultActor, openWorkspace } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson } from '../output.js';

export function register(program: Command): void {
  const command = program
    .command('claim')
    .description('take the lease on a ready task; prints the token that done/fail/log need from an agent')
    .argument('<id>', 'the task')
    .option('--actor <id>', 'who claims it (default: $WG_ACTOR, else your user name)')
    .option('--force', 'claim even if the task is not ready (blocked or not yet due)')
    .option('--json', 'print the lease as JSON, token included')
    .action(async (id: string, options: { actor?: string; force?: boolean; json?: boolean }) => {
      const { store } = openWorkspace(command);
      const actor = options.actor ?? defaultActor();
      const token = newToken();
      const task = await store.transact((graph) => claimTask(graph, id, { actor, now: new Date(), force: options.force }, { tokenHash: hashToken(token) }));
      const attempt = task.claim!.attempt;
      if (options.json) return printJson({ task: id, actor, attempt, token, since: task.claim!.since });
      print(`Claimed ${colors.bold(id)} for ${actor} (attempt ${attempt})`);
      print(`token: ${token}`);
      print(colors.dim(`an agent passes it as WG_TASK_ID=${id} WG_TOKEN=<token>, or --token <token>`));
    });
  examples(command, 'wg claim build-api --actor alice', 'TOKEN=$(wg claim build-api --actor bot --json | jq -r .token)');
}
