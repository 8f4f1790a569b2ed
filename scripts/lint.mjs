#!/usr/bin/env node
// `npm run lint`: ESLint over every tree. ESLint lives in tools/lint with its own install,
// because typescript-eslint parses with TypeScript 5's API, which TypeScript 7 (our compiler)
// no longer ships; one node_modules cannot hold both as `typescript`. Installed on first use.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tools = join(root, 'tools', 'lint');
const installed = join(tools, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(join(tools, 'package-lock.json')).mtimeMs) {
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: tools, stdio: 'inherit' });
}
const trees = ['src', 'web', 'test', 'bench', 'scripts', 'sandbox/agents'];
try {
  execFileSync(
    process.execPath,
    [
      join(tools, 'node_modules', 'eslint', 'bin', 'eslint.js'),
      '--config',
      join(tools, 'eslint.config.js'),
      ...trees,
      ...process.argv.slice(2),
    ],
    { cwd: root, stdio: 'inherit' },
  );
} catch (error) {
  process.exit(typeof error.status === 'number' ? error.status : 1);
}
