/**
 * The built-in agent's `bash` tool: one command in the working directory, run through execa
 * (its timeout and forced kill), in a process group of its own so that everything the
 * command started goes with it, with output kept to a tail.
 */
import { execa } from 'execa';

export interface BashResult {
  exitCode: number | undefined;
  signal: string | undefined;
  timedOut: boolean;
  output: string;
}

const MAX_OUTPUT = 30_000;
/** After a timeout's SIGTERM, bash gets this long before SIGKILL. */
const FORCE_KILL_AFTER_MS = 2000;
/** How long output may trail bash's exit: a process that left the group (setsid, a daemon) can hold the pipes for ever. */
const PIPE_GRACE_MS = 500;

/**
 * Process groups of the bash calls still running: they are not in the agent's group, so its
 * stop must reach them. (execa's `cleanup` does not apply to a detached process.)
 */
const running = new Set<number>();

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Nobody left in the group.
  }
}

/** SIGKILL every bash call still running (the agent is being stopped). */
export function killRunningCommands(): void {
  for (const pid of running) killGroup(pid);
  running.clear();
}

/**
 * The last MAX_OUTPUT characters of what the command printed: the end of a build's output
 * is where its error is. (execa's `maxBuffer` would keep the start and stop the command.)
 */
class OutputTail {
  private text = '';
  private dropped = 0;

  take(chunk: string): void {
    this.text += chunk;
    if (this.text.length > MAX_OUTPUT * 2) this.trim();
  }

  toString(): string {
    this.trim();
    return this.dropped > 0 ? `[${this.dropped} characters of earlier output dropped]\n${this.text}` : this.text;
  }

  private trim(): void {
    if (this.text.length <= MAX_OUTPUT) return;
    this.dropped += this.text.length - MAX_OUTPUT;
    this.text = this.text.slice(-MAX_OUTPUT);
  }
}

export async function runBash(
  command: string,
  options: { cwd: string; timeoutMs: number; env: NodeJS.ProcessEnv; sandbox?: readonly string[] | undefined },
): Promise<BashResult> {
  // In the sandbox, bwrap starts bash: bwrap's own failure to start is the command's output, as bash's would be.
  const [file, args] = options.sandbox
    ? ['bwrap', [...options.sandbox, 'bash', '-c', command]]
    : ['bash', ['-c', command]];
  const subprocess = execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    stdin: 'ignore',
    // One interleaved stream, read here into a bounded tail instead of buffered whole.
    all: true,
    buffer: false,
    // Its own process group, so everything the command starts can be killed at once.
    detached: true,
    timeout: options.timeoutMs,
    forceKillAfterDelay: FORCE_KILL_AFTER_MS,
    reject: false,
  });
  const output = new OutputTail();
  subprocess.all.on('data', (chunk: Buffer | string) => output.take(chunk.toString()));
  const { pid } = subprocess;
  if (pid !== undefined) {
    running.add(pid);
    // Once bash is gone (by itself or by the timeout's signal), whatever it left in its group goes too; and
    // a process that left the group may hold the pipes open: stop waiting for them shortly after.
    subprocess.once('exit', () => {
      running.delete(pid);
      killGroup(pid);
      setTimeout(() => {
        subprocess.stdout.destroy();
        subprocess.stderr.destroy();
      }, PIPE_GRACE_MS).unref();
    });
  }
  const result = await subprocess;
  if (pid === undefined) output.take(`could not start bash: ${(result.cause as Error | undefined)?.message}`);
  return {
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut: result.timedOut,
    output: output.toString(),
  };
}
