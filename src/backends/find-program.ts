/**
 * Where an agent program lives: the configured command, else the name on PATH, else a
 * binary shipped inside an npm package installed beside wg. The npm packages of the
 * agent CLIs carry their native binary in a per-platform optional dependency, and the
 * `.bin` wrapper can be missing (npm may skip the postinstall that links it), so the
 * platform binary is looked up directly.
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { packagePath } from '../system/package-root.js';

/** A binary inside an npm package: `relativePath` from the package's folder. */
export interface PackagedBinary {
  packageName: string;
  relativePath: string;
}

export interface FoundProgram {
  path: string;
  /** How it was found, for `wg backends`. */
  source: 'config' | 'PATH' | 'package';
}

export interface FindProgramOptions {
  /** `[backends.NAME] command`: a path (relative to `cwd`) or a name looked up on PATH. */
  configured?: string | undefined;
  /** The PATH to search (the agent's own, so what is found is what would run). */
  pathVariable?: string | undefined;
  packaged?: PackagedBinary[];
  /** Resolves package folders; defaults to wg's own installation. */
  resolvePackage?: (packageName: string) => string | undefined;
  cwd?: string;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function searchPath(name: string, pathVariable: string | undefined): string | undefined {
  for (const folder of (pathVariable ?? '').split(delimiter)) {
    if (folder === '') continue;
    const candidate = join(folder, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

// Resolved from the package root: the same answer from the bundle (dist/wg.mjs) and from tsc's output.
const requireFromWg = createRequire(packagePath('package.json'));

/** The folder of an installed package as wg's own code would resolve it, or undefined. */
export function packageFolder(packageName: string): string | undefined {
  try {
    return dirname(requireFromWg.resolve(`${packageName}/package.json`));
  } catch {
    // A package whose `exports` hides package.json: climb from its entry point instead.
  }
  try {
    let folder = dirname(requireFromWg.resolve(packageName));
    while (dirname(folder) !== folder) {
      const manifest = join(folder, 'package.json');
      if (
        existsSync(manifest) &&
        (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === packageName
      )
        return folder;
      folder = dirname(folder);
    }
  } catch {
    // Not installed.
  }
  return undefined;
}

export function findProgram(name: string, options: FindProgramOptions): FoundProgram | undefined {
  const configured = options.configured?.trim();
  if (configured) {
    // A bare name is looked up on PATH like a shell would; anything with a slash is a path.
    if (!configured.includes('/')) {
      const onPath = searchPath(configured, options.pathVariable);
      return onPath ? { path: onPath, source: 'config' } : undefined;
    }
    const path = isAbsolute(configured) ? configured : resolve(options.cwd ?? process.cwd(), configured);
    return isExecutableFile(path) ? { path, source: 'config' } : undefined;
  }
  const onPath = searchPath(name, options.pathVariable);
  if (onPath) return { path: onPath, source: 'PATH' };
  const resolvePackage = options.resolvePackage ?? packageFolder;
  for (const binary of options.packaged ?? []) {
    const folder = resolvePackage(binary.packageName);
    if (folder === undefined) continue;
    const path = join(folder, binary.relativePath);
    if (isExecutableFile(path)) return { path, source: 'package' };
  }
  return undefined;
}

/** The `platform-arch` suffix npm packages use for native builds (`linux-x64`, `darwin-arm64`). */
export function platformSuffix(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  return `${platform}-${arch}`;
}
