/**
 * Which way imports may point (`npm run check:deps`, run by CI). The pure core (`graph/`
 * and `errors.ts`) imports nothing of ours; above it the floors below, from the bottom. A
 * folder may import its own floor and any floor below, never one above; and nothing may
 * close a cycle.
 */
const FLOORS = [
  // What everything may use: the OS (which may use the core's types), child processes, settings, what agents and backends share,
  // and the protocol as MCP tools (which runs `wg` itself, so it needs nothing of ours but the OS).
  ['system', 'process', 'config', 'protocol', 'mcp'],
  // Storage, prompts, the agents and the sandbox they may run in.
  ['store', 'prompt', 'agent', 'acp', 'backends', 'sandbox'],
  ['runner'],
  // Capabilities built on the runner.
  ['worktree', 'doctor', 'serve', 'review'],
  ['cli'],
];

/** Folders on the same floor that must not import each other either. */
const APART = {
  // Starting and stopping processes needs neither settings nor agents' events: a runner's concerns.
  process: ['config', 'protocol', 'mcp'],
  system: ['mcp'],
  config: ['protocol', 'mcp'],
  protocol: ['config', 'mcp'],
  mcp: ['process', 'config', 'protocol'],
  store: ['prompt', 'agent', 'acp', 'backends', 'sandbox'],
  prompt: ['store', 'agent', 'acp', 'backends', 'sandbox'],
  agent: ['store', 'prompt', 'acp', 'backends', 'sandbox'],
  // The ACP client is an agent runner beside agent/: the acp backend reads its table of agents.
  acp: ['store', 'prompt', 'agent', 'backends', 'sandbox'],
  backends: ['store', 'prompt', 'agent', 'sandbox'],
  // bwrap's options reach an agent as arguments: the sandbox is the runner's to set up.
  sandbox: ['store', 'prompt', 'agent', 'acp', 'backends'],
  doctor: ['serve'],
};

const floorRules = FLOORS.flatMap((floor, level) =>
  floor.map((name) => {
    const forbidden = [...FLOORS.slice(level + 1).flat(), ...(APART[name] ?? [])];
    return {
      name: `${name}-stays-below`,
      comment: `${name}/ must not import ${forbidden.join(', ')}`,
      severity: 'error',
      from: { path: `^src/${name}/` },
      to: { path: `^src/(${forbidden.join('|')})/` },
    };
  }),
);

module.exports = {
  forbidden: [
    {
      name: 'pure-core',
      comment: 'graph/ is the pure core: it imports only itself, errors.ts and libraries',
      severity: 'error',
      from: { path: '^src/graph/' },
      to: { path: '^src/', pathNot: ['^src/graph/', '^src/errors\\.ts$'] },
    },
    ...floorRules,
    {
      name: 'stores-apart',
      comment: 'the file store and the PostgreSQL store share only what src/store/ holds, never each other',
      severity: 'error',
      from: { path: '^src/store/(file|postgres)/' },
      to: { path: '^src/store/(file|postgres)/', pathNot: '^src/store/$1/' },
    },
    {
      name: 'no-cycles',
      comment: 'modules that import each other, however indirectly, cannot be understood or changed one at a time',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // TypeScript 7 has no JavaScript API for dependency-cruiser's tsc parser: swc reads the sources.
    parser: 'swc',
    tsPreCompilationDeps: true,
  },
};
