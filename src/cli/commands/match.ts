import type { Command } from 'commander';
import { estimatePrompt } from '../../graph/estimate.js';
import { rankActors } from '../../graph/matching.js';
import { getTask } from '../../graph/model.js';
import { loadGraph } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson, table } from '../output.js';

export function register(program: Command): void {
  const command = program
    .command('match')
    .description('rank every actor for a task, saying why each one qualifies or not')
    .argument('<task>', 'the task')
    .option('--json', 'print the ranking as JSON')
    .addHelpText('after', '\nExits 0 even when no actor qualifies: that is an answer, not an error.')
    .action(async (id: string, options: { json?: boolean }) => {
      const graph = await loadGraph(command);
      const task = getTask(graph, id);
      const estimate = estimatePrompt(graph, task);
      const ranked = rankActors(graph, task);
      const qualified = ranked.some((entry) => entry.match.eligible);
      if (options.json) {
        const actors = ranked.map(({ actor, match }) => ({
          id: actor.id,
          eligible: match.eligible,
          ...(match.eligible ? { score: match.score } : {}),
          reasons: match.reasons,
        }));
        return printJson({ task: id, estimated_prompt_tokens: estimate.total, estimate, qualified, actors });
      }
      print(`${colors.bold(id)}  ${task.title}`);
      print(
        colors.dim(
          `estimated prompt: ${estimate.total} tokens (incl. ${estimate.files} allowed for ${estimate.fileCount} inlined files)`,
        ),
      );
      if (ranked.length === 0) return print('\nNo actors are registered; `wg actor add <id>` registers one.');
      const eligible = ranked.filter((entry) => entry.match.eligible);
      const excluded = ranked.filter((entry) => !entry.match.eligible);
      if (eligible.length > 0) {
        print();
        print(
          table(
            ['ACTOR', 'SCORE', 'WHY'],
            eligible.map(({ actor, match }) => [
              actor.id,
              match.eligible ? String(match.score) : '',
              match.reasons.join('; '),
            ]),
          ),
        );
      } else {
        print(`\n${colors.yellow(`No actor qualifies for ${id}.`)}`);
      }
      if (excluded.length > 0) {
        print(`\n${colors.bold('not eligible')}`);
        print(
          table(
            ['ACTOR', 'REASONS'],
            excluded.map(({ actor, match }) => [actor.id, match.reasons.join('; ')]),
          ),
        );
      }
    });
  examples(command, 'wg match build-api', 'wg match build-api --json | jq -r ".actors[] | select(.eligible) | .id"');
}
