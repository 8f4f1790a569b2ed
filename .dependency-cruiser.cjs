/**
 * Which way imports may point (`npm run check:deps`, run by CI). The floors, from the
 * bottom: the pure core (`graph/`) and `errors.ts`; then `system/` (the OS), `config/`,
 * `protocol/` (what agents and backends share; `system/` may use the core's types); then `store/`, `prompt/`, `agent/`,
 * `backends/`; then `runner/`; then the capabilities built on it (`worktree/`, `doctor/`,
 * `serve/`); and `cli/` on top. A floor never imports one above it.
 */
const floor = (name, mayNotImport) => ({
  name: `${name}-stays-below`,
  comment: `${name}/ must not import ${mayNotImport.join(', ')}`,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: { path: `^src/(${mayNotImport.join('|')})/` },
});

const above = (...names) => names;

module.exports = {
  forbidden: [
    {
      name: 'pure-core',
      comment: 'graph/ is the pure core: it imports only itself, errors.ts and libraries',
      severity: 'error',
      from: { path: '^src/graph/' },
      to: { path: '^src/', pathNot: ['^src/graph/', '^src/errors\\.ts$'] },
    },
    floor(
      'system',
      above(
        'config',
        'protocol',
        'store',
        'store-postgres',
        'prompt',
        'agent',
        'backends',
        'runner',
        'worktree',
        'doctor',
        'serve',
        'cli',
      ),
    ),
    floor(
      'config',
      above(
        'protocol',
        'store',
        'store-postgres',
        'prompt',
        'agent',
        'backends',
        'runner',
        'worktree',
        'doctor',
        'serve',
        'cli',
      ),
    ),
    floor(
      'protocol',
      above(
        'config',
        'store',
        'store-postgres',
        'prompt',
        'agent',
        'backends',
        'runner',
        'worktree',
        'doctor',
        'serve',
        'cli',
      ),
    ),
    floor('store', above('prompt', 'agent', 'backends', 'runner', 'worktree', 'doctor', 'serve', 'cli')),
    floor('store-postgres', above('prompt', 'agent', 'backends', 'runner', 'worktree', 'doctor', 'serve', 'cli')),
    floor(
      'prompt',
      above('store', 'store-postgres', 'agent', 'backends', 'runner', 'worktree', 'doctor', 'serve', 'cli'),
    ),
    floor(
      'agent',
      above('store', 'store-postgres', 'prompt', 'backends', 'runner', 'worktree', 'doctor', 'serve', 'cli'),
    ),
    floor(
      'backends',
      above('store', 'store-postgres', 'prompt', 'agent', 'runner', 'worktree', 'doctor', 'serve', 'cli'),
    ),
    floor('runner', above('worktree', 'doctor', 'serve', 'cli')),
    floor('worktree', above('doctor', 'serve', 'cli')),
    floor('doctor', above('serve', 'cli')),
    floor('serve', above('cli')),
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
