/** Running a program briefly, for `wg doctor`: never longer than its share of the time limit, never waiting on a terminal. */
import { spawn } from 'node:child_process';
import type { Probe } from './types.js';

export interface BriefOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Written to stdin, then closed (default: nothing, closed at once). */
  input?: string;
  timeoutMs: number;
}

export function runBriefly(file: string, args: readonly string[], options: BriefOptions): Promise<Probe> {
  return new Promise((resolve) => {
    const started = Date.now();
    let output = '';
    let settled = false;
    const finish = (probe: Probe) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(probe);
    };
    // Its own process group, so a timeout stops whatever it started too.
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env as NodeJS.ProcessEnv | undefined,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      finish({ kind: 'timed-out', afterMs: Date.now() - started });
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => finish({ kind: 'not-run', why: error.message }));
    child.on('close', (code, signal) => finish({ kind: 'answered', exitCode: code ?? (signal ? 128 : -1), output }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}
