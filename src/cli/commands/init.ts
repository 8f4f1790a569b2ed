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
    .option('--store <url>', 'keep the graph in PostgreSQL (postgres://user@host:port/db): creates the schema, or joins the graph already there')
    .option('--json', 'print the result as JSON')
    .action(async (options: { store?: string; json?: boolean }) => {
      const dir = chosenDir(globalOptions(command).dir, process.cwd(), process.env);
      if (options.store === undefined) {
        initWorkgraph(dir);
        if (options.json) printJson({ dir });
        else print(`Initialised an empty workgraph in ${dir}`);
        return;
      }
      const { PostgresGraphStore } = await import('../../store-postgres/store.js');
      const { displayUrl } = await import('../../store-postgres/connect.js');
      // Reach the database before writing anything, so a bad URL leaves no half-made folder.
      const store = new PostgresGraphStore(options.store);
      try {
        const version = await store.migrate();
        const tasks = (await store.load()).tasks.size;
        initWorkgraph(dir, options.store);
        if (options.json) return printJson({ dir, store: displayUrl(options.store), schema_version: version, tasks });
        print(tasks === 0 ? `Initialised a workgraph in ${dir}, its graph in PostgreSQL at ${displayUrl(options.store)}` : `Joined the graph at ${displayUrl(options.store)} (${tasks} tasks) from ${dir}`);
      } finally {
        await store.close();
      }
    });
  examples(command, 'wg init', 'wg --dir /tmp/demo/.workgraph init', 'wg init --store postgres://wg@db.internal:5432/graph');
}
