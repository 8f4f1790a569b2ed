/** Running git: one flat result per call, and one error class for a git that said no. */
import { execa } from 'execa';
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
export async function git(cwd: string, args: string[], options: { env?: Record<string, string> } = {}): Promise<GitResult> {
  for (let attempt = 1; ; attempt++) {
    const result = await execa('git', args, { cwd, reject: false, stdin: 'ignore', env: { ...GIT_ENV, ...options.env }, stripFinalNewline: true });
    const outcome = { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
    if (outcome.exitCode === 0 || attempt >= LOCK_TRIES || !LOCK_BUSY.test(outcome.stderr)) return outcome;
    await new Promise((resolve) => setTimeout(resolve, 10 * attempt));
  }
}

/** `git ...` that must succeed: its stdout, or a GitError naming the command and git's first line. */
export async function gitOk(cwd: string, args: string[], options: { env?: Record<string, string> } = {}): Promise<string> {
  const result = await git(cwd, args, options);
  if (result.exitCode !== 0) {
    const said = (result.stderr || result.stdout).trim().split('\n')[0] ?? '';
    throw new GitError(`git ${args[0]} failed in ${cwd}: ${said || `exit code ${result.exitCode}`}`);
  }
  return result.stdout;
}

/** Paths from NUL-separated git output (`-z`), which keeps names with spaces or newlines whole. */
export function nulList(output: string): string[] {
  return output.split('\0').filter((path) => path !== '');
}
