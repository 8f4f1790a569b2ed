import { realpathSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ConfigError, OutsideProjectError } from '../errors.js';
import { leadsOutside } from '../system/paths.js';

/**
 * The agent's working directory: the task's `working_dir` relative to the project
 * root. It must exist, and (after symlinks) stay inside the project unless the run
 * allows otherwise.
 */
export function resolveWorkdir(root: string, workingDir: string | undefined, allowOutside: boolean): string {
  const wanted = resolve(root, workingDir ?? '.');
  let real: string;
  try {
    real = realpathSync(wanted);
    if (!statSync(real).isDirectory()) throw new ConfigError(`working_dir ${workingDir} is not a folder`);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(
      `working_dir ${workingDir} does not exist (${wanted})`,
      "create that folder, or change the task's working_dir",
    );
  }
  if (leadsOutside(realpathSync(root), real) && !allowOutside)
    throw new OutsideProjectError(
      `working_dir ${workingDir} leads outside the project (${real})`,
      'pass --allow-outside to permit it',
    );
  return real;
}

/**
 * The working directory an attempt will get in a tree that is not made yet (a dry run):
 * checked against `checkout`, the tree's source, and named inside `root`, the tree.
 */
export function futureWorkdir(
  root: string,
  checkout: string,
  workingDir: string | undefined,
  allowOutside: boolean,
): string {
  const real = resolveWorkdir(checkout, workingDir, allowOutside);
  const source = realpathSync(checkout);
  return leadsOutside(source, real) ? real : join(root, relative(source, real));
}
