/**
 * Where an attempt starts from, beyond its task: the trajectory step before it (its tree,
 * its agent session) and the backend it will run on, which decides whether a session can
 * continue at all.
 */
import { chooseBackendName, resolveBackend } from '../../backends/index.js';
import { WgError } from '../../errors.js';
import type { Task } from '../../graph/schema.js';
import type { AttemptTree } from '../isolation.js';
import type { AttemptIdentity, LaunchOptions } from '../prepare.js';
import type { AttemptStep } from './context.js';

export interface BackendTraits {
  name: string;
  continuesSessions: boolean;
  resumesSteps: boolean;
}

/** The backend an attempt that never launched would have used (the same choice as prepareLaunch), or why there is none. */
export function intendedBackend(task: Task, identity: AttemptIdentity, launch: LaunchOptions): string {
  try {
    return launch.backend ?? chooseBackendName(task, identity.actor, launch.config);
  } catch (error) {
    if (error instanceof WgError) return 'no backend';
    throw error;
  }
}

/** The backend an attempt would use, when it can be resolved (else undefined: prepareLaunch then says why). */
export function backendTraits(name: string, launch: LaunchOptions): BackendTraits | undefined {
  try {
    const { backend, settings } = resolveBackend(name, launch.config);
    const continuesSessions = backend.continuesSessions === true;
    // `resume = false` in the backend's table keeps each trajectory step in a session of its own.
    return { name, continuesSessions, resumesSteps: continuesSessions && settings.resume !== false };
  } catch (error) {
    if (error instanceof WgError) return undefined;
    throw error;
  }
}

/** The task log's line about where a trajectory step works, when it was asked to continue the tree before it. */
export function describeStep(
  tree: AttemptTree,
  step: AttemptStep | undefined,
  previousStep: string | undefined,
): string | undefined {
  if (!step?.from || !tree.step) return undefined;
  if (tree.step.continued) {
    const where = tree.info ? ` ${tree.info.path}, now on branch ${tree.info.branch}` : '';
    return `continues in ${previousStep ?? 'the previous step'}'s worktree${where}`;
  }
  return `starts in a worktree of its own: ${previousStep ?? 'the previous step'}'s could not be continued (${tree.step.why})`;
}

/**
 * The previous step's agent session, continued only where it can be: on a backend that
 * continues sessions, in the same working directory (Claude Code keeps sessions per folder).
 * Otherwise a fresh session, and the log says why.
 */
export function stepSession(
  identity: AttemptIdentity,
  step: AttemptStep | undefined,
  workdir: string,
  backend: BackendTraits | undefined,
): { session: string | undefined; line?: string } {
  if (!identity.resumeSession || !backend?.resumesSteps) return { session: undefined };
  if (step?.previousWorkdir !== undefined && step.previousWorkdir !== workdir) {
    return {
      session: undefined,
      line: `starts a fresh ${backend.name} session: its working directory ${workdir} is not the previous step's (${step.previousWorkdir}), where that session lives`,
    };
  }
  return { session: identity.resumeSession, line: `continues the previous step's ${backend.name} session` };
}
