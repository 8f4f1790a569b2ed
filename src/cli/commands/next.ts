import type { Command } from 'commander';
import { nextTaskFor } from '../../graph/matching.js';
import { getActor } from '../../graph/model.js';
import { defaultActor, loadGraph } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson } from '../output.js';

export function register(program: Command): void {
  const command = program
    .command('next')
    .description('suggest the best ready task for an actor, and why (it does not claim it)')
    .option('--actor <id>', 'a registered actor (default: $WG_ACTOR, else your user name)')
    .option('--json', 'print the suggestion as JSON (task is null when nothing fits)')
    .addHelpText('after', '\nExits 0 when nothing is ready for the actor too; the output says why.')
    .action(async (options: { actor?: string; json?: boolean }) => {
      const graph = await loadGraph(command);
      const actor = getActor(graph, options.actor ?? defaultActor());
      const next = nextTaskFor(graph, actor, new Date());
      const best = next.suggestion;
      if (options.json) {
        return printJson({
          actor: actor.id,
          task: best?.task ?? null,
          score: best?.score ?? null,
          unblocks: best?.unblocks ?? null,
          reasons: best?.reasons ?? [],
          why_nothing: next.whyNothing ?? null,
          ready_count: next.readyCount,
          candidates: next.candidates.map((candidate) => ({
            id: candidate.task.id,
            score: candidate.score,
            unblocks: candidate.unblocks,
          })),
          rejected: next.rejected.map(({ id, reasons }) => ({ id, reasons })),
        });
      }
      if (!best) return print(`Nothing ready for ${actor.id}: ${next.whyNothing}.`);
      print(`${colors.bold(best.task.id)}  ${best.task.title}`);
      print(
        colors.dim(
          `score ${best.score}; unblocks ${best.unblocks} task${best.unblocks === 1 ? '' : 's'}; ${best.reasons.join('; ')}`,
        ),
      );
      if (next.candidates.length > 1)
        print(
          colors.dim(
            `${next.candidates.length - 1} other ready task(s) fit ${actor.id}; \`wg match <task>\` compares actors`,
          ),
        );
      print(colors.dim(`\`wg claim ${best.task.id} --actor ${actor.id}\` takes it`));
    });
  examples(command, 'wg next --actor claude-1', 'wg next --actor claude-1 --json | jq -r ".task.id // empty"');
}
