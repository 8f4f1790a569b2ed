/**
 * Running one protocol tool: the `wg` command it stands for, as a child process of this
 * same installation, with the caller's environment (WG_TASK_ID and WG_TOKEN prove the
 * lease, WG_DIR finds the graph) and working directory (artifact paths are relative to it).
 * The answer is what the command printed: its output when it succeeded, its one-line error
 * (and hint) when it did not. Running the CLI itself keeps one code path for both.
 */
import { execa } from 'execa';
import { WG_ENTRY } from '../system/wg-entry.js';
import { toolArgv, type WgToolName } from './tools.js';

export interface ToolAnswer {
  text: string;
  isError: boolean;
}

/** The binding a tool call acts under: the attempt's task, and where and how `wg` runs. */
export interface ToolBinding {
  taskId: string;
  cwd: string;
  env: Record<string, string | undefined>;
}

/** Long enough for a lock held by a busy runner; a protocol call normally takes well under a second. */
const CALL_TIMEOUT_MS = 120_000;

export async function runWgTool(name: WgToolName, input: unknown, binding: ToolBinding): Promise<ToolAnswer> {
  const call = toolArgv(name, input, binding.taskId);
  if ('error' in call) return { text: `invalid arguments for ${name}: ${call.error}`, isError: true };
  const result = await execa(process.execPath, [WG_ENTRY, ...call.argv], {
    cwd: binding.cwd,
    env: { ...binding.env, NO_COLOR: '1', FORCE_COLOR: undefined },
    extendEnv: false,
    stdin: 'ignore',
    reject: false,
    timeout: CALL_TIMEOUT_MS,
    stripFinalNewline: true,
  });
  const stdout = String(result.stdout ?? '');
  const stderr = String(result.stderr ?? '');
  if (result.exitCode === 0) return { text: stdout || `wg ${name}: done (it prints nothing)`, isError: false };
  const why = stderr.trim() || stdout.trim() || (result.timedOut ? `timed out after ${CALL_TIMEOUT_MS / 1000} s` : '');
  return { text: why || `wg ${name} exited with status ${result.exitCode ?? result.signal}`, isError: true };
}
