import type { Command } from 'commander';
import { initWorkgraph } from '../../store/init.js';
import { chosenDir } from '../../store/locate.js';
import { globalOptions } from '../context.js';
import { examples } from '../help.js';
import { print, printJson } from '../output.js';

export function register(program: Command): void {
  const command = program
    .command('init')
    .description('create a .workgraph folder with an empty graph and a commented config.toml')
    .option('--json', 'print the result as JSON')
    .action((options: { json?: boolean }) => {
      const dir = chosenDir(globalOptions(command).dir, process.cwd(), process.env);
      initWorkgraph(dir);
      if (options.json) printJson({ dir });
      else print(`Initialised an empty workgraph in ${dir}`);
    });
  examples(command, 'wg init', 'wg --dir /tmp/demo/.workgraph init');
}
