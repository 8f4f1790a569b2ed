/** A task's `verify` command: run in the agent's working directory after the agent exited 0. */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Outcome } from './outcome.js';
import type { PreparedLaunch } from './prepare.js';
import { StreamRedactor } from './redact.js';
import { supervise } from './supervise.js';

const TAIL_LINES = 20;

export async function runVerify(
  command: string,
  prepared: PreparedLaunch,
  runDir: string,
  options: { timeoutMs: number; graceMs: number; signal: AbortSignal; secrets: string[] },
): Promise<Outcome> {
  const raw = createWriteStream(join(runDir, 'verify.log'));
  const tail: string[] = [];
  const end = await supervise({
    spec: { file: 'sh', args: ['-c', command], cwd: prepared.workdir, env: prepared.spec.env },
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
  switch (end.kind) {
    case 'exited':
      return end.exitCode === 0 ? { kind: 'succeeded' } : { kind: 'verification-failed', exitCode: end.exitCode, output: tail.join('\n') };
    case 'interrupted':
      return { kind: 'interrupted' };
    case 'timed-out':
      return { kind: 'verification-failed', exitCode: -1, output: `verify timed out after ${Math.round(end.afterMs / 1000)}s` };
    case 'spawn-error':
      return { kind: 'verification-failed', exitCode: -1, output: end.message };
    case 'signalled':
    case 'stalled':
    case 'halted':
      return { kind: 'verification-failed', exitCode: -1, output: `verify ended by ${end.kind}` };
  }
}
