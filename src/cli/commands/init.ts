import type { Command } from 'commander';
import { initWorkgraph } from '../../store/init.js';
import { chosenDir } from '../../store/locate.js';
import { globalOptions } from '../context.js';
import { examples } from '../help.js';
import { colors, print, printJson } from '../output.js';

interface Choice {
  backend: string | undefined;
  why: string | undefined;
  reasons: string[];
}

/** The agent backend to write as [defaults] backend (the first one ready), or why none; and whether runs will use worktrees. */
async function firstContact(root: string, dir: string, backendFlag: string | undefined) {
  const { chooseDefaultBackend } = await import('../../doctor/choose-backend.js');
  const { probeBackends } = await import('../../backends/probe.js');
  const { findRepo } = await import('../../worktree/repo.js');
  const [reports, repo] = await Promise.all([
    probeBackends({}, process.env, { cwd: root, workgraphDir: dir }, { versionsFor: () => false }),
    findRepo(root),
  ]);
  const picked = chooseDefaultBackend(reports, process.env);
  const choice: Choice =
    backendFlag !== undefined
      ? {
          backend: backendFlag.trim() || undefined,
          why: 'named by --backend',
          reasons: backendFlag.trim() ? [] : ['--backend "" asked for none'],
        }
      : picked.backend !== undefined
        ? { backend: picked.backend, why: picked.why, reasons: [] }
        : { backend: undefined, why: undefined, reasons: picked.reasons };
  const isolation =
    'none' in repo
      ? `tasks will run in place, without worktrees: ${repo.none} (git init and a first commit turn worktrees on)`
      : `each attempt will work in a git worktree of its own; results land on ${repo.branch ?? 'the branch checked out (HEAD is detached now: check one out)'}`;
  return { choice, isolation };
}

function printNextSteps(dir: string, choice: Choice): void {
  if (choice.backend !== undefined) {
    print(
      `Agents run on ${colors.bold(choice.backend)} (${choice.why}): backend = "${choice.backend}" under [defaults] in ${dir}/config.toml`,
    );
  } else {
    print(colors.yellow('No agent backend was chosen:'));
    for (const reason of choice.reasons) print(`  ${reason}`);
    print(
      `Tasks with --exec still run (on the shell backend). For agents, pick one: backend = "claude" (or codex, anthropic, a [backends.NAME] of your own) under [defaults] in ${dir}/config.toml; \`wg backends\` shows what each needs.`,
    );
  }
  print();
  print('Next:');
  print(
    `  wg add "Write the parser" --verify "npm test"       add tasks (--blocked-by ID orders them, --exec CMD runs a command instead of an agent)`,
  );
  print(`  wg run --dry-run                                    preview every prompt and command, launching nothing`);
  print(`  wg doctor                                           check backends, credentials, the graph and git`);
  print(`  wg run                                              run them`);
}

export function register(program: Command): void {
  const command = program
    .command('init')
    .description(
      'create a .workgraph folder with an empty graph and a commented config.toml, choosing an agent backend that is ready',
    )
    .option(
      '--store <url>',
      'keep the graph in PostgreSQL (postgres://user@host:port/db): creates the schema, or joins the graph already there',
    )
    .option(
      '--backend <name>',
      'the [defaults] backend to write (default: the first of claude, codex, anthropic that is ready; "" for none)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (options: { store?: string; backend?: string; json?: boolean }) => {
      const dir = chosenDir(globalOptions(command).dir, process.cwd(), process.env);
      const { dirname } = await import('node:path');
      const { choice, isolation } = await firstContact(dirname(dir), dir, options.backend);
      const chosen = {
        backend: choice.backend ?? null,
        ...(choice.backend !== undefined ? { why: choice.why } : { reasons: choice.reasons }),
        isolation,
      };
      if (options.store === undefined) {
        initWorkgraph(dir, undefined, choice.backend);
        if (options.json) return printJson({ dir, ...chosen });
        print(`Initialised an empty workgraph in ${dir}`);
        print(isolation.charAt(0).toUpperCase() + isolation.slice(1));
        return printNextSteps(dir, choice);
      }
      const { PostgresGraphStore } = await import('../../store/postgres/postgres-store.js');
      const { displayUrl } = await import('../../store/postgres/connect.js');
      // Reach the database before writing anything, so a bad URL leaves no half-made folder.
      const store = new PostgresGraphStore(options.store);
      try {
        const version = await store.migrate();
        const tasks = (await store.load()).tasks.size;
        initWorkgraph(dir, options.store, choice.backend);
        if (options.json)
          return printJson({ dir, store: displayUrl(options.store), schema_version: version, tasks, ...chosen });
        print(
          tasks === 0
            ? `Initialised a workgraph in ${dir}, its graph in PostgreSQL at ${displayUrl(options.store)}`
            : `Joined the graph at ${displayUrl(options.store)} (${tasks} tasks) from ${dir}`,
        );
        print(isolation.charAt(0).toUpperCase() + isolation.slice(1));
        printNextSteps(dir, choice);
      } finally {
        await store.close();
      }
    });
  examples(
    command,
    'wg init',
    'wg init --backend codex',
    'wg --dir /tmp/demo/.workgraph init',
    'wg init --store postgres://wg@db.internal:5432/graph',
  );
}
