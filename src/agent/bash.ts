/**
 * The built-in agent's `bash` tool: one command in the working directory, in its own
 * process group so a timeout stops everything it started, with output kept to a tail.
 */
import { spawn } from 'node:child_process';
import { terminateTree } from '../process/terminate.js';

export interface BashResult {
  exitCode: number | undefined;
  signal: string | undefined;
  timedOut: boolean;
  output: string;
}

const MAX_OUTPUT = 30_000;
/** How long output may trail bash's exit: a process that left the group (setsid, a daemon) can hold the pipes for ever. */
const PIPE_GRACE_MS = 500;

/** Process groups of the bash calls still running: they are not in the agent's group, so its stop must reach them. */
const running = new Set<number>();

/** SIGKILL every bash call still running (the agent is being stopped). */
export function killRunningCommands(): void {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  running.clear();
}

export function runBash(
  command: string,
  options: { cwd: string; timeoutMs: number; env: NodeJS.ProcessEnv },
): Promise<BashResult> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) running.add(child.pid);
    let output = '';
    let dropped = 0;
    const take = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.length > MAX_OUTPUT * 2) {
        dropped += output.length - MAX_OUTPUT;
        output = output.slice(-MAX_OUTPUT);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) void terminateTree(child.pid, 2000);
    }, options.timeoutMs);
    let finished = false;
    const finish = (exitCode: number | undefined, signal: string | undefined) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (output.length > MAX_OUTPUT) {
        dropped += output.length - MAX_OUTPUT;
        output = output.slice(-MAX_OUTPUT);
      }
      resolve({
        exitCode,
        signal,
        timedOut,
        output: dropped > 0 ? `[${dropped} characters of earlier output dropped]\n${output}` : output,
      });
    };
    child.on('error', (error) => {
      output += `could not start bash: ${error.message}`;
      finish(undefined, undefined);
    });
    // 'close' waits for the pipes, which a leftover background process may hold: end the group once bash exits,
    // and stop waiting for output shortly after, so a daemon that left the group neither hangs the call nor times it out.
    child.on('exit', (code, signal) => {
      if (child.pid === undefined) return;
      running.delete(child.pid);
      if (!timedOut) {
        clearTimeout(timer);
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Nobody left in the group.
        }
      }
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code ?? undefined, signal ?? undefined);
      }, PIPE_GRACE_MS).unref();
    });
    child.on('close', (code, signal) => finish(code ?? undefined, signal ?? undefined));
  });
}
