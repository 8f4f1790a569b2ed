import type { Command } from 'commander';

type Module = Promise<{ register(program: Command): void }>;

/**
 * Every command module, in the order help lists them. Modules are imported on demand:
 * a command loads only its own code, so `wg ready` does not pay for `wg run`.
 */
const MODULES: Array<[file: string, commands: string[], load: () => Module]> = [
  ['init', ['init'], () => import('./init.js')],
  ['add', ['add'], () => import('./add.js')],
  ['edit', ['edit'], () => import('./edit.js')],
  ['rm', ['rm'], () => import('./rm.js')],
  ['list', ['list'], () => import('./list.js')],
  ['show', ['show'], () => import('./show.js')],
  ['ready', ['ready'], () => import('./ready.js')],
  ['blocked', ['blocked', 'why-blocked'], () => import('./blocked.js')],
  ['claim', ['claim'], () => import('./claim.js')],
  ['trajectory', ['trajectory'], () => import('./trajectory.js')],
  ['lifecycle', ['done', 'fail', 'abandon', 'unclaim', 'retry'], () => import('./lifecycle.js')],
  ['log', ['log'], () => import('./log.js')],
  ['progress', ['progress'], () => import('./progress.js')],
  ['artifact', ['artifact'], () => import('./artifact.js')],
  ['ask', ['ask'], () => import('./ask.js')],
  ['answer', ['answer'], () => import('./answer.js')],
  ['inbox', ['inbox'], () => import('./inbox.js')],
  ['run', ['run'], () => import('./run.js')],
  ['actor', ['actor'], () => import('./actor.js')],
  ['match', ['match'], () => import('./match.js')],
  ['next', ['next'], () => import('./next.js')],
  ['context', ['context'], () => import('./context.js')],
  ['impact', ['impact'], () => import('./impact.js')],
  ['critical-path', ['critical-path'], () => import('./critical-path.js')],
  ['bottlenecks', ['bottlenecks'], () => import('./bottlenecks.js')],
  ['graph', ['graph'], () => import('./graph.js')],
  ['check', ['check'], () => import('./check.js')],
  ['backends', ['backends'], () => import('./backends.js')],
  ['doctor', ['doctor'], () => import('./doctor.js')],
  ['worktree', ['worktree'], () => import('./worktree.js')],
  ['diff', ['diff'], () => import('./diff.js')],
  ['approve', ['approve'], () => import('./approve.js')],
  ['reject', ['reject'], () => import('./reject.js')],
  ['cost', ['cost'], () => import('./cost.js')],
  ['serve', ['serve'], () => import('./serve.js')],
  ['transfer', ['import', 'export'], () => import('./transfer.js')],
  ['mcp', ['mcp'], () => import('./mcp.js')],
  ['agent-anthropic', ['agent-anthropic'], () => import('./agent-anthropic.js')],
  ['agent-acp', ['agent-acp'], () => import('./agent-acp.js')],
];

/** The subcommand named on the command line, skipping global options (and `--dir`'s value). */
function subcommandOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--dir') i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** Register the named command only, or every command (for help and unknown names). */
export async function registerCommands(program: Command, args: readonly string[]): Promise<void> {
  const name = subcommandOf(args);
  // `wg --version` answers before any command runs: loading them all would only slow it down.
  if (name === undefined && args.some((arg) => arg === '-V' || arg === '--version')) return;
  const wanted = MODULES.filter(([, commands]) => name !== undefined && commands.includes(name));
  const modules = await Promise.all((wanted.length > 0 ? wanted : MODULES).map(([, , load]) => load()));
  for (const module of modules) module.register(program);
}
