/** wg serve: a live dashboard of the graph in a browser (see src/serve/). */
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { z } from 'zod';
import { InvalidInputError, WgError } from '../../errors.js';
import { defaultActor, openWorkspace } from '../context.js';
import { examples } from '../help.js';
import { print, printJson } from '../output.js';

const Options = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().trim().min(1),
  allowActions: z.boolean().optional(),
  json: z.boolean().optional(),
});

export function register(program: Command): void {
  const command = program
    .command('serve')
    .description(
      "serve a live dashboard of the graph: the drawn DAG, a filterable list, the inbox, each task's attempts and output, a pending result's diff (read-only unless --allow-actions)",
    )
    .option('--port <n>', 'the port (0 picks a free one)', '7070')
    .option(
      '--host <address>',
      'the address to bind (anything but loopback exposes the graph to the network)',
      '127.0.0.1',
    )
    .option(
      '--allow-actions',
      'allow retry, abandon, unclaim, approve, reject and answer from the page, with a random token printed with the URL',
    )
    .option('--json', 'print {"url", "api", "token"} as JSON instead of text')
    .action(async (raw: unknown) => {
      const parsed = Options.safeParse(raw);
      if (!parsed.success)
        throw new InvalidInputError(
          `bad option: ${parsed.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
        );
      const options = parsed.data;
      const workspace = await openWorkspace(command);
      const config = await workspace.config();
      const token = options.allowActions ? randomBytes(18).toString('base64url') : undefined;
      const { startServer } = await import('../../serve/server.js');
      const server = await startServer({
        store: workspace.store,
        workgraphDir: workspace.dir,
        root: workspace.root,
        config,
        host: options.host,
        port: options.port,
        actionToken: token,
        actor: defaultActor(),
        budgetUsd: config.run.budget_usd,
        defaultMaxRetries: config.defaults.max_retries,
      }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE')
          throw new WgError(
            `port ${options.port} on ${options.host} is already in use`,
            'choose another with --port, or --port 0 for any free one',
          );
        if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
          throw new WgError(
            `cannot listen on ${options.host}: ${error.code}`,
            'give an address of this machine with --host',
          );
        throw error;
      });
      const pageUrl = token ? `${server.url}#token=${token}` : server.url;
      if (options.json) printJson({ url: pageUrl, api: server.url, token: token ?? null });
      else {
        print(`wg serve: ${pageUrl}`);
        print(
          token
            ? 'actions (retry, abandon, unclaim, approve, reject, answer) are on for whoever has this URL'
            : 'read-only (--allow-actions enables retry, abandon, unclaim, approve, reject and answer)',
        );
        print('press Ctrl-C to stop');
      }
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
    });
  examples(
    command,
    'wg serve',
    'wg serve --port 8080 --allow-actions',
    "curl -s http://127.0.0.1:7070/api/graph | jq '.header.counts'",
  );
}
