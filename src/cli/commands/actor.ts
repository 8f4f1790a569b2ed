import { Command, Option } from 'commander';
import { actorWork } from '../../graph/actors.js';
import type { Actor } from '../../graph/schema.js';
import { loadGraph, openWorkspace } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson, status, table } from '../output.js';
import { collect, parseCount } from '../flag-parsers.js';

interface AddOptions {
  name?: string;
  role?: string;
  capability?: string[];
  cap?: string[];
  contextLimit?: number;
  trust?: string;
  type?: string;
  backend?: string;
  model?: string;
  json?: boolean;
}

/** Options become schema fields; addActor validates them with the same schema the file is read with. */
function fieldsFrom(id: string, options: AddOptions): Record<string, unknown> {
  const capabilities = [...new Set([...(options.capability ?? []), ...(options.cap ?? [])])];
  const fields: Record<string, unknown> = {
    id,
    name: options.name,
    role: options.role,
    capabilities: capabilities.length > 0 ? capabilities : undefined,
    context_limit: options.contextLimit,
    trust_level: options.trust,
    actor_type: options.type,
    backend: options.backend,
    model: options.model,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

const orNone = (values: string[] | undefined) => (values && values.length > 0 ? values.join(',') : '');

function registerAdd(parent: Command): void {
  const command = parent
    .command('add')
    .description('register an actor (an agent or a person) that can take tasks')
    .argument('<id>', 'the actor id (the name used with --actor)')
    .option('--name <text>', 'a display name')
    .option('--role <text>', 'what the actor is for, e.g. reviewer')
    .option('--capability <skill>', 'a skill it has (repeatable, or a comma list; alias --cap)', collect)
    .addOption(new Option('--cap <skill>').argParser(collect).hideHelp())
    .option('--context-limit <tokens>', 'how many prompt tokens it can take', parseCount)
    // No commander `choices` for --trust/--type: the values live with the schema, which
    // is loaded only when an actor is added (it brings in zod), and addActor checks them.
    .option('--trust <level>', 'verified, provisional or unknown (complex tasks need verified)')
    .option('--type <type>', 'agent or human (default agent)')
    .option('--backend <name>', 'the backend that runs it: shell, command, claude, codex or anthropic')
    .option('--model <name>', 'the model it uses')
    .option('--json', 'print the new actor as JSON')
    .action(async (id: string, options: AddOptions) => {
      const { store } = await openWorkspace(command);
      const { addActor } = await import('../../graph/edit.js');
      const actor = await store.transact((graph) => addActor(graph, fieldsFrom(id, options)));
      if (options.json) return printJson(actor);
      print(`Added actor ${colors.bold(actor.id)}`);
    });
  examples(
    command,
    'wg actor add claude-1 --capability rust,sql --context-limit 200000 --trust verified --backend claude',
    'wg actor add alice --type human --cap design --trust verified',
  );
}

function registerList(parent: Command): void {
  const command = parent
    .command('list')
    .description('list the registered actors')
    .option('--json', 'print the actors as JSON')
    .action(async (options: { json?: boolean }) => {
      const graph = await loadGraph(command);
      const actors = [...graph.actors.values()];
      if (options.json) return printJson(actors);
      if (actors.length === 0) return print('No actors. `wg actor add <id>` registers one.');
      const row = (actor: Actor) => [
        actor.id,
        actor.actor_type ?? 'agent',
        actor.trust_level ?? 'unknown',
        orNone(actor.capabilities),
        actor.context_limit?.toString() ?? '',
        actor.backend ?? '',
      ];
      print(table(['ID', 'TYPE', 'TRUST', 'CAPABILITIES', 'CONTEXT', 'BACKEND'], actors.map(row)));
    });
  examples(command, 'wg actor list', 'wg actor list --json');
}

function field(label: string, value: string | number | undefined): void {
  if (value === undefined || value === '') return;
  print(`${colors.dim(`${label}:`.padEnd(15))}${value}`);
}

function registerShow(parent: Command): void {
  const command = parent
    .command('show')
    .description('show an actor: its fields, the tasks assigned to it and the leases it holds')
    .argument('<id>', 'the actor')
    .option('--json', 'print the actor, its assigned tasks and leases as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const { actor, assigned, leases } = actorWork(await loadGraph(command), id);
      if (options.json) return printJson({ ...actor, assigned_tasks: assigned, leases });
      print(colors.bold(actor.id) + (actor.name ? `  ${actor.name}` : ''));
      field('type', actor.actor_type ?? 'agent');
      field('role', actor.role);
      field('trust', actor.trust_level ?? 'unknown');
      field('capabilities', orNone(actor.capabilities));
      field('context limit', actor.context_limit);
      field('backend', actor.backend);
      field('model', actor.model);
      field('last seen', actor.last_seen);
      print(`\n${colors.bold('assigned')}`);
      if (assigned.length === 0) print(colors.dim('  none'));
      for (const task of assigned) print(`  ${task.id}  ${status(task.status)}  ${task.title}`);
      print(`\n${colors.bold('leases')}`);
      if (leases.length === 0) print(colors.dim('  none'));
      for (const lease of leases) {
        const what = lease.trajectory ? `reserved for trajectory ${lease.trajectory}` : `attempt ${lease.attempt}`;
        print(`  ${lease.task}  ${what} since ${lease.since}`);
      }
    });
  examples(command, 'wg actor show claude-1', 'wg actor show claude-1 --json');
}

export function register(program: Command): void {
  const actor = program
    .command('actor')
    .description('register, list and inspect the actors (agents and people) that take tasks');
  registerAdd(actor);
  registerList(actor);
  registerShow(actor);
  examples(actor, 'wg actor add claude-1 --capability rust --trust verified', 'wg actor list');
}
