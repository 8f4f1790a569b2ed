import type { Command } from 'commander';
import { NoWorkgraphError, WgError } from '../../errors.js';
import type { Check, DoctorPlace } from '../../doctor/index.js';
import { packagePath } from '../../system/package-root.js';
import { locateWorkspace, storeOf } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson } from '../output.js';

const MARK: Record<Check['status'], string> = {
  ok: colors.green('ok  '),
  warn: colors.yellow('warn'),
  fail: colors.red('FAIL'),
  skip: colors.dim('skip'),
};

export function register(program: Command): void {
  const command = program
    .command('doctor')
    .description(
      'check everything `wg run` needs (backends, credentials, the graph, the store, git) and say how to fix what is wrong',
    )
    .option('--target <branch>', 'the branch results would land on (default: the branch checked out now)')
    .option('--backend <name>', 'check as `wg run --backend NAME` would run every task')
    .option('--json', 'print {ok, exit_code, checks} as JSON (ok: nothing would make wg run fail)')
    .addHelpText(
      'after',
      `
One line per check, each with its fix. Exit status: 0 when all is well, 1 when something
would make \`wg run\` fail (or refuse to start), 2 when there are warnings only.
Offline: programs are asked only for their version and whether they accept wg's flags,
each for at most 2s (WG_DOCTOR_TIMEOUT=10s gives a slow machine longer).
\`wg run\` makes the launch checks itself before it claims anything.`,
    )
    .action(async (options: { target?: string; backend?: string; json?: boolean }) => {
      const { runDoctor } = await import('../../doctor/index.js');
      let place: DoctorPlace | { error: string; fix: string | undefined };
      try {
        const workspace = locateWorkspace(command);
        // Opened by the store check, which reports a store that cannot be opened (a bad URL) as it reports one that cannot be read.
        place = { root: workspace.root, dir: workspace.dir, openStore: () => storeOf(workspace), config: undefined };
        try {
          place.config = await workspace.config();
        } catch (error) {
          if (!(error instanceof WgError)) throw error;
          place.configError = error.message;
        }
      } catch (error) {
        if (!(error instanceof NoWorkgraphError)) throw error;
        place = { error: error.message, fix: error.hint };
      }
      // The folder of this installation's `wg` executables, which `wg run` puts first on agents' PATH.
      const wgBinDir = packagePath('bin');
      const { checks, exitCode } = await runDoctor({
        place,
        wgBinDir,
        env: process.env,
        target: options.target,
        backend: options.backend,
      });
      process.exitCode = exitCode;
      if (options.json) return printJson({ ok: exitCode !== 1, exit_code: exitCode, checks });
      for (const check of checks) {
        const fix = check.fix && check.status !== 'ok' ? colors.dim(` → fix: ${check.fix}`) : '';
        print(`${MARK[check.status]}  ${colors.bold(check.name)}: ${check.detail}${fix}`);
      }
      const count = (status: Check['status']) => checks.filter((check) => check.status === status).length;
      print();
      print(
        exitCode === 0
          ? colors.green('all good: wg run has what it needs')
          : `${count('fail')} failing, ${count('warn')} warning${count('warn') === 1 ? '' : 's'}${exitCode === 1 ? ': wg run would fail until the FAIL lines are fixed' : ''}`,
      );
    });
  examples(command, 'wg doctor', 'wg doctor --json | jq -r \'.checks[] | select(.status == "fail") | .fix\'');
}
