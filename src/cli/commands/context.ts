import type { Command } from 'commander';
import { consumersOf, taskContext, type InputSource, type OutputUse, type TaskContext } from '../../graph/context.js';
import { openWorkspace } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson, status, table } from '../output.js';

const STATE_COLOR: Record<InputSource['state'], (text: string) => string> = {
  available: colors.green,
  promised: colors.yellow,
  missing: colors.red,
};

function explainInput(input: InputSource): string {
  switch (input.state) {
    case 'available':
      return `from ${input.from.join(', ')}`;
    case 'promised':
      return `${input.from.join(', ')} will deliver it (not produced yet)`;
    case 'missing':
      return 'no upstream task produces or promises it';
  }
}

function printUpstream(context: TaskContext): void {
  print(`${colors.bold(context.id)}  ${context.title}`);
  if (context.upstream.length === 0) print(colors.dim('\nno dependencies: nothing flows in from upstream'));
  for (const dep of context.upstream) {
    print(`\n${colors.bold(dep.id)}  ${dep.status === 'missing' ? colors.red('no such task') : status(dep.status)}  ${dep.title ?? ''}`.trimEnd());
    if (dep.artifacts.length > 0) print(`  ${colors.dim('artifacts:')}    ${dep.artifacts.join(', ')}`);
    if (dep.deliverables.length > 0) print(`  ${colors.dim('deliverables:')} ${dep.deliverables.join(', ')}`);
    if (dep.summary) print(`  ${colors.dim('summary:')}\n${dep.summary.split('\n').map((line) => `    | ${line}`).join('\n')}`);
    for (const entry of dep.log) print(`  ${colors.dim(entry.timestamp)} ${entry.actor ?? ''}: ${entry.message}`);
  }
  print(`\n${colors.bold('inputs')}`);
  if (context.inputs.length === 0) return print(colors.dim('  none declared'));
  print(table(['INPUT', 'STATE', 'SOURCE'], context.inputs.map((input) => [input.input, STATE_COLOR[input.state](input.state), explainInput(input)])));
}

function printConsumers(use: OutputUse): void {
  print(`${colors.bold(use.id)}  ${use.title}`);
  if (use.outputs.length === 0) return print(colors.dim('no deliverables or artifacts, so no task can consume its outputs'));
  print(`outputs: ${use.outputs.map((output) => `${output.path}${output.produced ? '' : colors.dim(' (not produced yet)')}`).join(', ')}`);
  if (use.consumers.length === 0) return print('No task declares one of these as an input.');
  print();
  const note = (downstream: boolean) => (downstream ? '' : colors.yellow(`does not depend on ${use.id}: missing --blocked-by?`));
  print(table(['CONSUMER', 'STATUS', 'CONSUMES', 'NOTE'], use.consumers.map((consumer) => [consumer.id, status(consumer.status), consumer.consumes.join(', '), note(consumer.downstream)])));
}

export function register(program: Command): void {
  const command = program
    .command('context')
    .description('show what upstream tasks produced for a task and whether its inputs are available')
    .argument('<id>', 'the task')
    .option('--dependents', "show instead which tasks consume this task's outputs")
    .option('--json', 'print the context as JSON')
    .action(async (id: string, options: { dependents?: boolean; json?: boolean }) => {
      const graph = await openWorkspace(command).store.load();
      if (options.dependents) {
        const use = consumersOf(graph, id);
        return options.json ? printJson(use) : printConsumers(use);
      }
      const context = taskContext(graph, id);
      return options.json ? printJson(context) : printUpstream(context);
    });
  examples(command, 'wg context build-api', 'wg context design-api --dependents', 'wg context build-api --json | jq ".inputs[] | select(.state != \\"available\\")"');
}
