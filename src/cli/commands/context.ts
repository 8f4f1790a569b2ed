import type { Command } from 'commander';
import {
  consumersOf,
  normalizeRef,
  taskContext,
  type InputSource,
  type OutputUse,
  type TaskContext,
} from '../../graph/context.js';
import type { Graph } from '../../graph/model.js';
import type { UpstreamChangeReader, UpstreamFileChange } from '../../prompt/types.js';
import { readProjectFile } from '../../prompt/sources.js';
import type { Config } from '../../config/config.js';
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

/** Per upstream task, how each of its artifacts reaches the prompt (see PromptSources.changes). */
type Changes = Record<string, Record<string, UpstreamFileChange>>;

/** What the prompt of `context.id` carries of each upstream artifact: a diff, or the whole file and why. */
function howCarried(
  change: UpstreamFileChange | undefined,
  landedCommit: string | undefined,
  wholeBecause: string | undefined,
): string {
  if (!change) return `whole (${wholeBecause ?? 'no landed commit to show a change from'})`;
  switch (change.kind) {
    case 'modified':
      return `diff of ${landedCommit!.slice(0, 12)}, +${change.additions} -${change.deletions}`;
    case 'added':
      return 'whole (new file)';
    case 'unchanged':
      return 'whole (its landed commit left it as it was)';
    case 'deleted':
      return 'deleted by its landed commit';
    case 'binary':
      return 'binary, not inlined';
    case 'unknown':
      return `whole (git could not tell: ${change.reason})`;
  }
}

function upstreamChanges(graph: Graph, context: TaskContext, reader: UpstreamChangeReader | undefined): Changes {
  const changes: Changes = {};
  if (!reader) return changes;
  for (const dep of context.upstream) {
    const landed = graph.tasks.get(dep.id)?.landed;
    if (!landed) continue;
    changes[dep.id] = Object.fromEntries(dep.artifacts.map((ref) => [normalizeRef(ref), reader(landed, ref)]));
  }
  return changes;
}

function printUpstream(
  graph: Graph,
  context: TaskContext,
  changes: Changes,
  options: { full: boolean; wholeBecause: string | undefined; root: string },
): void {
  print(`${colors.bold(context.id)}  ${context.title}`);
  if (context.upstream.length === 0) print(colors.dim('\nno dependencies: nothing flows in from upstream'));
  const inputs = new Set(context.inputs.map((input) => normalizeRef(input.input)));
  for (const dep of context.upstream) {
    print(
      `\n${colors.bold(dep.id)}  ${dep.status === 'missing' ? colors.red('no such task') : status(dep.status)}  ${dep.title ?? ''}`.trimEnd(),
    );
    if (dep.artifacts.length > 0) {
      print(`  ${colors.dim('artifacts:')}`);
      const landed = graph.tasks.get(dep.id)?.landed?.commit;
      const rows = dep.artifacts.map((ref) => {
        const key = normalizeRef(ref);
        return [
          ref,
          inputs.has(key)
            ? 'whole (a declared input)'
            : howCarried(changes[dep.id]?.[key], landed, options.wholeBecause),
        ];
      });
      print(
        table(['', ''], rows)
          .split('\n')
          .slice(1)
          .map((line) => `    ${line}`)
          .join('\n'),
      );
      if (options.full)
        for (const ref of dep.artifacts)
          print(`\n${colors.dim(`--- ${ref} (whole, as it is now)`)}\n${wholeFile(options.root, ref)}`);
    }
    if (dep.deliverables.length > 0) print(`  ${colors.dim('deliverables:')} ${dep.deliverables.join(', ')}`);
    if (dep.summary)
      print(
        `  ${colors.dim('summary:')}\n${dep.summary
          .split('\n')
          .map((line) => `    | ${line}`)
          .join('\n')}`,
      );
    for (const entry of dep.log) print(`  ${colors.dim(entry.timestamp)} ${entry.actor ?? ''}: ${entry.message}`);
  }
  print(`\n${colors.bold('inputs')}`);
  if (context.inputs.length === 0) return print(colors.dim('  none declared'));
  print(
    table(
      ['INPUT', 'STATE', 'SOURCE'],
      context.inputs.map((input) => [input.input, STATE_COLOR[input.state](input.state), explainInput(input)]),
    ),
  );
}

/** As `wg run` decides it: diffs in a git work tree with a commit unless `upstream_changes = "whole"` or isolation is off. */
async function changeReader(
  root: string,
  config: Config,
): Promise<{ reader: UpstreamChangeReader | undefined; wholeBecause: string | undefined }> {
  if (config.run.upstream_changes === 'whole') return { reader: undefined, wholeBecause: 'upstream_changes = "whole"' };
  if (config.run.isolation === 'none')
    return { reader: undefined, wholeBecause: 'isolation = "none": no landed commits' };
  const { findRepo } = await import('../../worktree/repo.js');
  const repo = await findRepo(root);
  if ('none' in repo) return { reader: undefined, wholeBecause: `no worktrees here: ${repo.none}` };
  const { upstreamChangeReader } = await import('../../worktree/upstream-change.js');
  return { reader: upstreamChangeReader(root), wholeBecause: undefined };
}

function wholeFile(root: string, ref: string): string {
  const content = readProjectFile(root, ref, 'artifact');
  switch (content.kind) {
    case 'text':
      return content.complete
        ? content.text.replace(/\n$/, '')
        : `${content.text}\n${colors.dim(`(the first ${content.text.length} bytes of ${content.bytes})`)}`;
    case 'binary':
      return colors.dim(`binary file (${content.bytes} bytes)`);
    case 'directory':
      return colors.dim('a directory');
    case 'missing':
      return colors.dim('not found');
    case 'unreadable':
      return colors.dim(`could not be read: ${content.reason}`);
  }
}

function printConsumers(use: OutputUse): void {
  print(`${colors.bold(use.id)}  ${use.title}`);
  if (use.outputs.length === 0)
    return print(colors.dim('no deliverables or artifacts, so no task can consume its outputs'));
  print(
    `outputs: ${use.outputs.map((output) => `${output.path}${output.produced ? '' : colors.dim(' (not produced yet)')}`).join(', ')}`,
  );
  if (use.consumers.length === 0) return print('No task declares one of these as an input.');
  print();
  const note = (downstream: boolean) =>
    downstream ? '' : colors.yellow(`does not depend on ${use.id}: missing --blocked-by?`);
  print(
    table(
      ['CONSUMER', 'STATUS', 'CONSUMES', 'NOTE'],
      use.consumers.map((consumer) => [
        consumer.id,
        status(consumer.status),
        consumer.consumes.join(', '),
        note(consumer.downstream),
      ]),
    ),
  );
}

export function register(program: Command): void {
  const command = program
    .command('context')
    .description('show what upstream tasks produced for a task and whether its inputs are available')
    .argument('<id>', 'the task')
    .option('--dependents', "show instead which tasks consume this task's outputs")
    .option(
      '--full',
      'print each upstream artifact whole, as it is now (a prompt gets an edited file as the diff of its landed commit)',
    )
    .option('--json', 'print the context as JSON')
    .action(async (id: string, options: { dependents?: boolean; full?: boolean; json?: boolean }) => {
      const workspace = await openWorkspace(command);
      const graph = await workspace.store.load();
      if (options.dependents) {
        const use = consumersOf(graph, id);
        return options.json ? printJson(use) : printConsumers(use);
      }
      const context = taskContext(graph, id);
      const { reader, wholeBecause } = await changeReader(workspace.root, await workspace.config());
      const changes = upstreamChanges(graph, context, reader);
      if (options.json) return printJson({ ...context, changes });
      printUpstream(graph, context, changes, { full: options.full ?? false, wholeBecause, root: workspace.root });
    });
  examples(
    command,
    'wg context build-api',
    'wg context build-api --full',
    'wg context design-api --dependents',
    'wg context build-api --json | jq ".inputs[] | select(.state != \\"available\\")"',
  );
}
