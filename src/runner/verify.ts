/** A task's `verify` command: run in the agent's working directory after the agent exited 0. */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Outcome } from './outcome.js';
import type { PreparedLaunch } from './prepare.js';
import { StreamRedactor } from './redact.js';
import { supervise } from './supervise.js';

/** The check's last lines: what a retry's prompt, `wg show` and the page show of its output. */
export const TAIL_LINES = 20;
const CANNOT_RUN = new Set([126, 127]);

export async function runVerify(
  command: string,
  prepared: PreparedLaunch,
  runDir: string,
  options: { timeoutMs: number; graceMs: number; signal: AbortSignal; secrets: string[] },
): Promise<Outcome> {
  const logFile = join(runDir, 'verify.log');
  const raw = createWriteStream(logFile);
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
      if (end.exitCode === 0) return { kind: 'succeeded' };
      // sh's own verdicts on the command: not executable (126), not found (127).
      if (CANNOT_RUN.has(end.exitCode))
        return { kind: 'verify-cannot-run', exitCode: end.exitCode, command, output: tail.join('\n') };
      return { kind: 'verification-failed', exitCode: end.exitCode, output: tail.join('\n'), log: logFile };
    case 'interrupted':
      return { kind: 'interrupted' };
    case 'timed-out':
      return {
        kind: 'verification-failed',
        exitCode: -1,
        output: [...tail, `verify timed out after ${Math.round(end.afterMs / 1000)}s`].join('\n'),
        log: logFile,
      };
    case 'spawn-error':
      return { kind: 'verify-cannot-run', exitCode: -1, command, output: end.message };
    case 'signalled':
    case 'stalled':
    case 'halted':
      return { kind: 'verification-failed', exitCode: -1, output: `verify ended by ${end.kind}` };
  }
}
