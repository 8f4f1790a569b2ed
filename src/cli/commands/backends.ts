import { join } from 'node:path';
import type { Command } from 'commander';
import { NoWorkgraphError } from '../../errors.js';
import type { Config } from '../../config/config.js';
import { locateWorkspace } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson, table } from '../output.js';

export function register(program: Command): void {
  const command = program
    .command('backends')
    .description(
      'list the agent backends: whether each program is found, its version, and what it still needs (API key, login)',
    )
    .option('--json', 'print the reports as JSON')
    .action(async (options: { json?: boolean }) => {
      const { probeBackends } = await import('../../backends/probe.js');
      // Outside a project the built-ins are still worth checking; a project adds its own tables.
      let config: Pick<Config, 'backends'> = {};
      let place = { cwd: process.cwd(), workgraphDir: join(process.cwd(), '.workgraph') };
      try {
        const workspace = locateWorkspace(command);
        config = await workspace.config();
        place = { cwd: workspace.root, workgraphDir: workspace.dir };
      } catch (error) {
        if (!(error instanceof NoWorkgraphError)) throw error;
      }
      const reports = await probeBackends(config, process.env, place);
      if (options.json) return printJson(reports);
      const rows = reports.map((report) => [
        report.name,
        report.missing.length === 0 ? colors.green('ready') : colors.yellow('missing'),
        report.program
          ? `${report.program}${report.source ? colors.dim(` (${report.source})`) : ''}`
          : colors.red('not found'),
        report.version ?? '-',
        report.missing.join('; ') || '-',
      ]);
      print(table(['BACKEND', 'STATUS', 'PROGRAM', 'VERSION', 'MISSING'], rows));
      print();
      print(
        colors.bold(
          "What an agent may do without asking, by default (a task's tools and [backends.NAME] widen or narrow it):",
        ),
      );
      for (const report of reports) {
        if (report.permissions.length === 0) continue;
        print(`${report.name}:`);
        for (const line of report.permissions) print(`  - ${line}`);
      }
    });
  examples(command, 'wg backends', "wg backends --json | jq -r '.[] | select(.missing == []) | .name'");
}
