/**
 * Whether bubblewrap can start a sandbox on this machine: found on PATH, and allowed to make
 * the namespaces the sandbox needs (a container or a kernel setting may forbid them). One
 * trial run per process and network setting; `wg doctor` and the runner both ask.
 */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

export type SandboxProbe = { ok: true; version: string } | { ok: false; reason: string };

/** Trials by network setting and PATH (which bwrap is found). */
const trials = new Map<string, Promise<SandboxProbe>>();

export function probeSandbox(network: boolean, env: NodeJS.ProcessEnv = process.env): Promise<SandboxProbe> {
  const key = `${network} ${env.PATH ?? ''}`;
  let trial = trials.get(key);
  if (!trial) {
    trial = tryBwrap(network, env);
    trials.set(key, trial);
  }
  return trial;
}

async function tryBwrap(network: boolean, env: NodeJS.ProcessEnv): Promise<SandboxProbe> {
  const version = await execa('bwrap', ['--version'], { env, reject: false, stdin: 'ignore', timeout: 10_000 });
  if ((version.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
    return { ok: false, reason: 'bwrap is not installed (on Debian and Ubuntu: apt-get install bubblewrap)' };
  if (version.exitCode !== 0)
    return { ok: false, reason: `bwrap --version failed: ${firstLine(version.stderr || version.stdout)}` };
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp'];
  if (!network) args.push('--unshare-net');
  args.push('--unshare-pid', '--unshare-ipc', '--die-with-parent', '--', 'true');
  const trial = await execa('bwrap', args, { env, reject: false, stdin: 'ignore', timeout: 10_000 });
  if (trial.exitCode !== 0)
    return {
      ok: false,
      reason: `bwrap cannot start a sandbox here: ${firstLine(trial.stderr || trial.stdout) || `exit code ${trial.exitCode}`} (user namespaces may be off: sysctl kernel.unprivileged_userns_clone, or a container that forbids them)`,
    };
  return { ok: true, version: firstLine(String(version.stdout)) };
}

const firstLine = (text: unknown) =>
  String(text ?? '')
    .split('\n')[0]!
    .trim();

/** Where `bwrap` is on PATH, without running it; undefined: not there. */
export function findBwrap(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const folder of (env.PATH ?? '').split(':').filter(Boolean)) {
    const path = join(folder, 'bwrap');
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Not in this folder.
    }
  }
  return undefined;
}
