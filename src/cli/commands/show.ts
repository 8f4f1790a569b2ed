import type { Command } from 'commander';
import { dependencyIndex, displayStatus } from '../../graph/deps.js';
import { getTask } from '../../graph/model.js';
import type { Task } from '../../graph/schema.js';
import { loadGraph } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson, status } from '../output.js';

function field(label: string, value: string | number | undefined): void {
  if (value === undefined || value === '') return;
  print(`${colors.dim(`${label}:`.padEnd(15))}${value}`);
}

/** Multi-line text under its label, set off so its lines do not read as fields. */
const indented = (text: string) =>
  text
    .split('\n')
    .map((line) => `  | ${line}`)
    .join('\n');

const list = (values: string[] | undefined) => (values && values.length > 0 ? values.join(', ') : undefined);

function showDetails(task: Task): void {
  field('assigned', task.assigned);
  field('skills', list(task.skills));
  field('prefers', list(task.prefers_skills));
  field('complexity', task.complexity);
  field('tags', list(task.tags));
  field('inputs', list(task.inputs));
  field('deliverables', list(task.deliverables));
  field('artifacts', list(task.artifacts));
  field('context files', list(task.context_files));
  field('exec', task.exec);
  field('verify', task.verify);
  field('backend', task.backend);
  field('model', task.model);
  field('working dir', task.working_dir);
  field('timeout', task.timeout);
  field('tools', list(task.tools));
  field(
    'estimate',
    task.estimate
      ? [
          task.estimate.hours !== undefined ? `${task.estimate.hours}h` : '',
          task.estimate.cost !== undefined ? `cost ${task.estimate.cost}` : '',
        ]
          .filter(Boolean)
          .join(', ')
      : undefined,
  );
  field('progress', task.progress !== undefined ? `${task.progress}%` : undefined);
  field(
    'retries',
    task.retry_count
      ? `${task.retry_count}${task.max_retries !== undefined ? ` of ${task.max_retries}` : ''}`
      : undefined,
  );
  field('failure', task.failure_reason);
  if (task.landed) {
    const { attempt, target, base, commit } = task.landed;
    field(
      'landed',
      commit === base
        ? `nothing: attempt ${attempt} changed no file (${target} at ${commit.slice(0, 12)})`
        : `${commit} on ${target} (attempt ${attempt}, from ${base.slice(0, 12)}; \`wg diff ${task.id}\` shows the change)`,
    );
  }
  if (task.question) {
    const { question } = task;
    const what = question.kind === 'refusal' ? 'refused call' : 'question';
    const open = question.answer
      ? `answered by ${question.answer.by}: ${question.answer.text}${question.answer.allow?.length ? ` (allowed ${question.answer.allow.join(', ')})` : ''}`
      : `waits for \`wg answer ${task.id} "..."\`${question.rule ? ` (\`--allow ${JSON.stringify(question.rule)}\` grants it)` : ''}`;
    print(`${colors.dim(`${what}:`)}\n${indented(`${question.text}\n${open}`)}`);
  }
  if (task.summary) print(`${colors.dim('summary:')}\n${indented(task.summary)}`);
  if (task.failure_output) print(`${colors.dim('check output:')}\n${indented(task.failure_output)}`);
  if (task.claim)
    field(
      'lease',
      `attempt ${task.claim.attempt} held by ${task.claim.actor} since ${task.claim.since}${task.claim.trajectory ? ` (reserved for trajectory ${task.claim.trajectory})` : ''}`,
    );
  if (task.token_usage)
    field(
      'tokens',
      `${task.token_usage.input_tokens ?? 0} in, ${task.token_usage.output_tokens ?? 0} out${task.token_usage.cost_usd !== undefined ? `, $${task.token_usage.cost_usd}` : ''}`,
    );
  field('created', task.created_at);
  field('started', task.started_at);
  field('completed', task.completed_at);
}

export function register(program: Command): void {
  const command = program
    .command('show')
    .description('show everything about one task: fields, dependencies, lease and recent log')
    .argument('<id>', 'the task')
    .option('--json', 'print the task as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const graph = await loadGraph(command);
      const task = getTask(graph, id);
      const index = dependencyIndex(graph);
      const shown = displayStatus(graph, index, task);
      // A dependency on a task upstream archived shows its status there, marked archived.
      const deps = (ids: readonly string[]) =>
        ids.map((dep) => {
          const archived = graph.tasks.has(dep) ? undefined : graph.archived?.get(dep);
          return archived
            ? { id: dep, status: archived, archived: true }
            : { id: dep, status: graph.tasks.get(dep)?.status ?? 'missing' };
        });
      if (options.json)
        return printJson({
          ...task,
          blocked: shown === 'blocked',
          blockers: deps(index.blockersOf(id)),
          dependents: deps(index.dependentsOf(id)),
        });
      print(`${colors.bold(task.id)}  ${status(shown)}`);
      print(task.title);
      if (task.description) print(`\n${task.description}\n`);
      if (task.prompt) print(`${colors.dim('prompt:')}\n${task.prompt}\n`);
      showDetails(task);
      const render = (ids: readonly string[]) =>
        deps(ids)
          .map((dep) => `${dep.id} (${'archived' in dep ? 'archived, ' : ''}${dep.status})`)
          .join(', ');
      field('blocked by', render(index.blockersOf(id)) || undefined);
      field('blocks', render(index.dependentsOf(id)) || undefined);
      const log = task.log ?? [];
      if (log.length > 0) {
        print(
          `\n${colors.bold('log')}${log.length > 10 ? colors.dim(` (last 10 of ${log.length}; \`wg log ${id}\` shows all)`) : ''}`,
        );
        for (const entry of log.slice(-10))
          print(
            `  ${colors.dim(entry.timestamp)} ${entry.actor ?? ''}: ${entry.message.split('\n')[0]}${entry.message.includes('\n') ? colors.dim(' (more in `wg log`)') : ''}`,
          );
      }
    });
  examples(command, 'wg show build-api', 'wg show build-api --json');
}
