/** The task flags shared by `wg add` and `wg edit`, and their translation into changes. */
import { Command, InvalidArgumentError } from 'commander';
import type { TaskChanges } from '../graph/edit.js';
import { InvalidInputError } from '../errors.js';
import { ENV_PASS_NAME, LIST_FIELDS, type ListField, type ScalarField } from '../graph/types.js';
import { collect, parseCount, parseNumber } from './flag-parsers.js';

function parsePositiveCount(value: string): number {
  const number = parseCount(value);
  if (number < 1) throw new InvalidArgumentError('expected at least 1');
  return number;
}

const LIST_HELP: Record<ListField, string> = {
  blocked_by: 'a task this one waits for',
  skills: 'a required skill',
  prefers_skills: 'a preferred skill',
  tags: 'a tag',
  inputs: 'an input this task consumes',
  deliverables: 'a deliverable this task produces',
  context_files: 'a file whose content the agent should see',
  tools: 'a tool the agent may use',
  requires: 'a resource this task needs',
  env_pass: "a variable of wg's environment the agent also gets (a name, or a glob like AWS_*)",
};

/** Flag name (commander's camelCase key) -> scalar field. */
const SCALAR_FLAGS: Array<[flag: string, key: string, field: ScalarField, help: string]> = [
  ['-d, --description <text>', 'description', 'description', 'what to do'],
  ['--complexity <level>', 'complexity', 'complexity', 'simple, moderate or complex'],
  ['--exec <command>', 'exec', 'exec', 'a shell command that does the task (runs on the shell backend)'],
  ['--prompt <text>', 'prompt', 'prompt', 'the instructions for an agent, instead of the description'],
  ['--working-dir <path>', 'workingDir', 'working_dir', 'where the agent runs, relative to the project'],
  ['--timeout <duration>', 'timeout', 'timeout', 'wall-clock limit per attempt: 90s, 30m, 2h'],
  ['--max-retries <n>', 'maxRetries', 'max_retries', 'automatic retries after a failure'],
  ['--max-turns <n>', 'maxTurns', 'max_turns', 'model turns per attempt, on backends that have turns'],
  ['--max-cost <usd>', 'maxCost', 'max_cost_usd', 'stop the task once its attempts have spent this many US dollars'],
  ['--model <name>', 'model', 'model', 'the model an agent backend should use'],
  ['--backend <name>', 'backend', 'backend', 'shell, command, claude, codex or anthropic'],
  ['--verify <command>', 'verify', 'verify', 'a shell command that must pass for the task to be done'],
  ['--assign <actor>', 'assign', 'assigned', 'the actor this task is assigned to'],
  ['--not-before <time>', 'notBefore', 'not_before', 'an RFC 3339 time before which the task is not ready'],
  [
    '--validation <mode>',
    'validation',
    'validation',
    'who accepts a result before it lands: none, external (wg approve) or llm (a reviewer agent, [review] in config.toml); default: [run] validation',
  ],
  [
    '--sandbox <mode>',
    'sandbox',
    'sandbox',
    'what the agent runs in: bwrap (bubblewrap) or none; default: [run] sandbox',
  ],
];

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** Add the shared flags; `edit` also gets `--remove-<flag>` for each list and `--title`. */
export function addTaskFlags(command: Command, mode: 'add' | 'edit'): Command {
  if (mode === 'edit') command.option('--title <text>', 'a new title');
  for (const [flag, , , help] of SCALAR_FLAGS) {
    const parser = flag.startsWith('--max-retries')
      ? parseCount
      : flag.startsWith('--max-turns')
        ? parsePositiveCount
        : flag.startsWith('--max-cost')
          ? parseNumber
          : undefined;
    if (parser) command.option(flag, mode === 'edit' ? `${help} ("" clears)` : help, parser);
    else command.option(flag, mode === 'edit' ? `${help} ("" clears)` : help);
  }
  for (const [field, flag] of Object.entries(LIST_FIELDS) as Array<[ListField, string]>) {
    command.option(`--${flag} <value>`, `${LIST_HELP[field]} (repeatable, or a comma list)`, collect);
    if (mode === 'edit') command.option(`--remove-${flag} <value>`, `remove ${LIST_HELP[field]}`, collect);
  }
  command.option('--hours <n>', 'estimated hours', parseNumber).option('--cost <n>', 'estimated cost', parseNumber);
  return command;
}

export function changesFromFlags(options: Record<string, unknown>): TaskChanges {
  const set: TaskChanges['set'] = {};
  if (typeof options.title === 'string') set.title = options.title;
  for (const [, key, field] of SCALAR_FLAGS) {
    const value = options[key];
    if (typeof value === 'string' || typeof value === 'number') set[field] = value;
  }
  const add: TaskChanges['add'] = {};
  const remove: TaskChanges['remove'] = {};
  for (const [field, flag] of Object.entries(LIST_FIELDS) as Array<[ListField, string]>) {
    const added = options[camel(flag)];
    const removed = options[camel(`remove-${flag}`)];
    if (field === 'env_pass' && Array.isArray(added)) {
      const bad = (added as string[]).find((name) => !ENV_PASS_NAME.test(name));
      if (bad !== undefined)
        throw new InvalidInputError(
          `--env-pass ${bad}: not a variable name (letters, digits and _, with * or ? as wildcards)`,
        );
    }
    if (Array.isArray(added)) add[field] = added as string[];
    if (Array.isArray(removed)) remove[field] = removed as string[];
  }
  return {
    set,
    add,
    remove,
    estimate: { hours: options.hours as number | undefined, cost: options.cost as number | undefined },
  };
}
