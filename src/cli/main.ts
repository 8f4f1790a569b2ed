/** The `wg` program: commander wiring and the one place errors become one line. */
import { Command, CommanderError } from 'commander';
import { WgError } from '../errors.js';
import { packageVersion } from '../version.js';
import { registerCommands } from './commands/index.js';
import { closeOpenStores } from './context.js';
import { errorColors as colors } from './output.js';

export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('wg')
    .description('workgraph: a shared task graph for autonomous agents')
    .version(packageVersion(), '-V, --version', 'print the version of wg')
    .option('--dir <path>', 'the graph folder (default: $WG_DIR, else the nearest .wg or .workgraph upwards)')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (text, write) => write(colors.red(text)) })
    .addHelpText(
      'after',
      '\nExample:\n  wg init && wg add "Design API" && wg add "Build API" --blocked-by design-api && wg ready',
    )
    .exitOverride();
  await registerCommands(program, argv.slice(2));
  return program;
}

function report(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode;
  if (error instanceof WgError) {
    process.stderr.write(`${colors.red('error:')} ${error.message}\n`);
    if (error.hint) process.stderr.write(`${colors.dim(`hint: ${error.hint}`)}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${colors.red('error:')} ${message.split('\n')[0]}\n`);
  if (process.env.WG_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return 1;
}

export async function main(argv: string[]): Promise<void> {
  // `wg list | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  try {
    await (await buildProgram(argv)).parseAsync(argv);
  } catch (error) {
    process.exitCode = report(error);
  } finally {
    await closeOpenStores().catch(() => undefined);
  }
}
