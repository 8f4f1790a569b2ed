/** Running git: one flat result per call, and one error class for a git that said no. */
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { WgError } from '../errors.js';

export interface GitResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export class GitError extends WgError {}

/**
 * Git's own prompts (credentials, editors) would wait for a person: a run never does.
 * Identity falls back to wg's when the repository has none, so a commit cannot fail on it.
 */
const GIT_ENV = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_EDITOR: 'true',
  GIT_MERGE_AUTOEDIT: 'no',
};

/** Git gives up at once when another git process holds a lock it needs (a ref, the index, packed-refs). */
const LOCK_BUSY = /Unable to create '[^']+\.lock': File exists/;
const LOCK_TRIES = 20;

/**
 * One git command. Parallel attempts make and remove worktrees and branches at the same
 * time, and git refuses rather than waits when another git holds a lock: such a refusal is
 * tried again after a short pause.
 */
export async function git(
  cwd: string,
  args: string[],
  options: { env?: Record<string, string> } = {},
): Promise<GitResult> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await runGit(cwd, args, { ...process.env, ...GIT_ENV, ...options.env });
    if (outcome.exitCode === 0 || attempt >= LOCK_TRIES || !LOCK_BUSY.test(outcome.stderr)) return outcome;
    await sleep(10 * attempt);
  }
}

const stripFinalNewline = (text: string) => text.replace(/\r?\n$/, '');

/**
 * Node's own execFile, not execa: this runs at every `wg run`'s start (is this a git
 * work tree?), and loading execa cost more than the git command itself.
 */
function runGit(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<GitResult> {
  return new Promise((resolve) => {
    const child = execFile(
      'git',
      args,
      { cwd, env, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 },
      (error, stdout, stderr) => {
        // A number: git's exit code; a string (ENOENT, a cwd that is gone): it never ran.
        const code = (error as { code?: unknown } | null)?.code;
        const exitCode = error === null ? 0 : typeof code === 'number' ? code : -1;
        resolve({
          exitCode,
          stdout: stripFinalNewline(stdout),
          stderr: stripFinalNewline(stderr || (exitCode === -1 ? (error?.message ?? '') : '')),
        });
      },
    );
    child.stdin?.end();
  });
}

/**
 * Everything git said about a failure: its first line alone often stops before the word
 * that explains it (`The following paths are ignored...` names the paths on the next line).
 */
export function gitSaid(result: GitResult): string {
  return (result.stderr || result.stdout).trim() || `exit code ${result.exitCode}`;
}

/** `git ...` that must succeed: its stdout, or a GitError naming the command and all git said. */
export async function gitOk(
  cwd: string,
  args: string[],
  options: { env?: Record<string, string> } = {},
): Promise<string> {
  const result = await git(cwd, args, options);
  if (result.exitCode !== 0) throw new GitError(`git ${args[0]} failed in ${cwd}: ${gitSaid(result)}`);
  return result.stdout;
}

/** Paths from NUL-separated git output (`-z`), which keeps names with spaces or newlines whole. */
export function nulList(output: string): string[] {
  return output.split('\0').filter((path) => path !== '');
}
