/**
 * Every failure a user can cause or meet is one of these classes. The CLI prints
 * `error: <message>` (plus an optional hint) and exits with `exitCode`; nothing
 * else ever reaches the terminal as a stack trace.
 */
export class WgError extends Error {
  readonly exitCode: number = 1;
  readonly hint: string | undefined;

  constructor(message: string, hint?: string) {
    super(message);
    this.name = new.target.name;
    this.hint = hint;
  }
}

/** Bad command-line input: unknown id, malformed flag value, and so on. */
export class InvalidInputError extends WgError {
  override readonly exitCode = 2;
}

export class NotFoundError extends WgError {}

/** One or more lines of graph.jsonl do not validate; `problems` are `graph.jsonl:LINE: reason`. */
export class GraphFileError extends WgError {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1 ? problems[0]! : `${problems[0]} (and ${problems.length - 1} more problems)`,
      'run `wg check` to list every problem',
    );
  }
}

export class NoWorkgraphError extends WgError {}

export class AlreadyClaimedError extends WgError {}

export class NotReadyError extends WgError {}

/** A caller whose lease token does not match the task's current attempt. */
export class StaleAttemptError extends WgError {}

export class CycleError extends WgError {
  constructor(readonly cycle: string[]) {
    super(
      `that dependency would close a cycle: ${cycle.join(' -> ')}`,
      'each task in the cycle waits for the next one',
    );
  }
}

/** A state transition that the task's current status does not allow. */
export class TransitionError extends WgError {}

export class LockTimeoutError extends WgError {}

export class ConfigError extends WgError {}

/** A prompt template that names a placeholder nobody fills. */
export class TemplateError extends WgError {}

/** A path (working_dir, context file, artifact) that leads outside the project. */
export class OutsideProjectError extends WgError {}
