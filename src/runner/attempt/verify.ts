/** A task's `verify` command: run in the agent's working directory after the agent exited 0. */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { spawnViaHelper } from '../../process/helper.js';
import { supervise } from '../../process/supervise.js';
import type { Outcome } from '../outcome.js';
import type { PreparedLaunch } from '../prepare.js';
import { StreamRedactor } from '../redact.js';
import { judgeCheck } from './judge.js';

/** The check's last lines: what a retry's prompt, `wg show` and the page show of its output. */
export const TAIL_LINES = 20;

/** `where`: the agent's working directory and environment (or, for `wg approve`, the kept tree's and the caller's). */
export async function runVerify(
  command: string,
  where: { workdir: string; env: Record<string, string | undefined> },
  runDir: string,
  options: { timeoutMs: number; graceMs: number; signal: AbortSignal; secrets: string[] },
): Promise<Outcome> {
  const log = join(runDir, 'verify.log');
  const raw = createWriteStream(log);
  const tail: string[] = [];
  const end = await supervise({
    spec: { file: 'sh', args: ['-c', command], cwd: where.workdir, env: where.env },
    spawn: spawnViaHelper,
    timeoutMs: options.timeoutMs,
    graceMs: options.graceMs,
    signal: options.signal,
    raw,
    filter: () => new StreamRedactor(options.secrets),
    onLine: (line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
    },
  });
  await new Promise((resolve) => raw.end(resolve));
  return judgeCheck(end, { command, tail, log });
}

/** The agent's environment less its program's credential: a check runs the code the agent wrote, as the agent's commands do. */
export function checkEnv(prepared: PreparedLaunch): Record<string, string | undefined> {
  const env = { ...prepared.spec.env };
  for (const name of prepared.backend.environment?.(prepared.spec.env).credentials ?? []) delete env[name];
  return env;
}
