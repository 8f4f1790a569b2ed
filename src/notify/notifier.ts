/**
 * Notifications (`[notify]`): what a run's events mean to a person, sent as one JSON object
 * each to a command's stdin and/or a webhook: what waits on them, a task failed for good
 * (when it fails), a budget's warning. A reporter in the run's event stream, like
 * the run record: it passes every event on unchanged. Sending never blocks the run: each
 * message goes off on its own, capped at 10 s, and a failure is only logged (a warning).
 * One message per task (or budget) per kind per `debounce`, across runs: the last sends are
 * kept in `.workgraph/notify-sent.json`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { reviewCommand } from '../graph/review.js';
import type { BudgetKind, Reporter, RunEvent } from '../runner/events.js';
import { redactText, secretValues } from '../runner/redact.js';
import type { RunSummary } from '../runner/run.js';

export type NotifyKind =
  | 'pending-validation'
  | 'input-required'
  | 'permission-denied'
  | 'failed'
  | 'budget-warning'
  | 'budget-stopped'
  | 'rate-limit-paused'
  | 'run-finished';

export interface NotifyEvent {
  kind: NotifyKind;
  task?: string;
  /** A budget-warning's budget: the run's, the day's, or `task`'s own cap. */
  budget?: BudgetKind;
  text: string;
  command?: string;
  at: string;
}

export interface NotifySettings {
  command?: string[] | undefined;
  webhook?: string | undefined;
  debounceMs: number;
  longPauseMs: number;
}

export const SENT_FILE = 'notify-sent.json';
export const NOTIFY_TIMEOUT_MS = 10_000;

/** What an event means to a person, if anything. */
export function notificationFor(event: RunEvent, longPauseMs: number, now = new Date()): NotifyEvent | undefined {
  const at = now.toISOString();
  if (event.type === 'end') {
    const id = event.task;
    if (event.outcome.kind === 'succeeded' && event.heldForReview)
      return {
        kind: 'pending-validation',
        task: id,
        text: `${id}: its result waits for a review`,
        command: reviewCommand(id),
        at,
      };
    if (event.outcome.kind === 'input-required')
      return {
        kind: 'input-required',
        task: id,
        text: `${id} asks: ${event.outcome.request}`,
        command: `wg answer ${id} "..."`,
        at,
      };
    if (event.outcome.kind === 'permission-denied')
      return {
        kind: 'permission-denied',
        task: id,
        text: `${id}: a call was refused: ${event.outcome.request}`,
        command: event.outcome.rule ? `wg answer ${id} "..." --allow '${event.outcome.rule}'` : `wg answer ${id} "..."`,
        at,
      };
  }
  if (event.type === 'failed') return failedTask(event.task, event.reason, at);
  if (event.type === 'budget-warning')
    return event.budget === 'task'
      ? {
          kind: 'budget-warning',
          task: event.task,
          budget: 'task',
          text: `${event.task}: budget: ${event.message}`,
          command: `wg edit ${event.task} --max-cost <usd> (a larger cap)`,
          at,
        }
      : { kind: 'budget-warning', budget: event.budget, text: `budget: ${event.message}`, command: 'wg cost', at };
  if (event.type === 'paused' && Date.parse(event.until) - now.getTime() > longPauseMs)
    return {
      kind: 'rate-limit-paused',
      text: `${event.backend} is paused by a rate limit until ${event.until} (${event.reason})`,
      command: 'wg inbox',
      at,
    };
  return undefined;
}

function failedTask(id: string, reason: string, at: string): NotifyEvent {
  return { kind: 'failed', task: id, text: `${id} failed: ${reason.split('\n')[0]}`, command: `wg retry ${id}`, at };
}

/**
 * What the end of a run means to a person: tasks failed for good (but those `told` of as
 * they failed), a budget stop, and the end itself.
 */
export function notificationsForSummary(
  summary: RunSummary,
  now = new Date(),
  told: ReadonlySet<string> = new Set(),
): NotifyEvent[] {
  const at = now.toISOString();
  const events: NotifyEvent[] = summary.failed
    .filter((item) => !told.has(item.id))
    .map((item) => failedTask(item.id, item.reason, at));
  if (summary.budget?.stopped)
    events.push({
      kind: 'budget-stopped',
      text: `the run stopped at its budget ($${summary.budget.spentUsd.toFixed(2)} of $${summary.budget.limitUsd.toFixed(2)})`,
      command: 'wg run --budget-usd N (a larger budget)',
      at,
    });
  const waits = summary.failed.length + summary.pendingValidation.length + summary.waiting.length;
  events.push({
    kind: 'run-finished',
    text: `wg run finished: ${summary.done.length} done, ${summary.failed.length} failed, ${summary.pendingValidation.length} to review, ${summary.waiting.length} waiting`,
    ...(waits > 0 ? { command: 'wg inbox' } : {}),
    at,
  });
  return events;
}

/** Passes every event on to `inner`, and notifies a person of those that wait on them. */
export class NotifyReporter implements Reporter {
  private readonly secrets = secretValues(process.env);
  private readonly sends = new Set<Promise<void>>();
  /** Tasks whose failure was notified as it happened: the summary does not repeat them. */
  private readonly failuresTold = new Set<string>();

  constructor(
    private readonly workgraphDir: string,
    private readonly inner: Reporter,
    private readonly settings: NotifySettings,
  ) {}

  event(event: RunEvent): void {
    this.inner.event(event);
    const notification = notificationFor(event, this.settings.longPauseMs);
    if (event.type === 'failed') this.failuresTold.add(event.task);
    if (notification) this.notify(notification);
  }

  /** The run's summary: failed tasks not told of yet (those that failed before this run), a budget stop, and the end of the run. */
  finished(summary: RunSummary): void {
    for (const notification of notificationsForSummary(summary, new Date(), this.failuresTold))
      this.notify(notification);
  }

  /** Wait for the messages under way (each is capped at 10 s), so the last ones are not cut off at exit. */
  async settled(): Promise<void> {
    await Promise.all(this.sends);
  }

  close(): void {
    this.inner.close();
  }

  private notify(notification: NotifyEvent): void {
    if (!this.settings.command && !this.settings.webhook) return;
    if (!this.firstInDebounce(notification)) return;
    const body = redactText(JSON.stringify(notification), this.secrets);
    if (this.settings.command) this.track(sendToCommand(this.settings.command, body), 'command');
    if (this.settings.webhook) this.track(sendToWebhook(this.settings.webhook, body), 'webhook');
  }

  private track(send: Promise<void>, what: string): void {
    const tracked = send.catch((error: unknown) => {
      this.inner.event({
        type: 'warning',
        message: redactText(
          `notify ${what} failed: ${error instanceof Error ? error.message : String(error)}`,
          this.secrets,
        ),
      });
    });
    this.sends.add(tracked);
    void tracked.finally(() => this.sends.delete(tracked));
  }

  /** One message per task per kind per debounce, across runs; a file that cannot be kept only loses the debounce. */
  private firstInDebounce(notification: NotifyEvent): boolean {
    if (notification.kind === 'run-finished') return true;
    const path = join(this.workgraphDir, SENT_FILE);
    let sent: Record<string, string> = {};
    try {
      sent = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
    } catch {
      // None yet, or unreadable: start over.
    }
    const now = Date.now();
    const key = [
      notification.kind,
      notification.task ?? '',
      ...(notification.budget ? [notification.budget] : []),
    ].join(':');
    const last = sent[key] ? Date.parse(sent[key]) : NaN;
    if (now - last < this.settings.debounceMs) return false;
    const kept = Object.fromEntries(
      Object.entries(sent).filter(([, at]) => now - Date.parse(at) < this.settings.debounceMs),
    );
    kept[key] = new Date(now).toISOString();
    try {
      writeFileAtomic.sync(path, `${JSON.stringify(kept)}\n`);
    } catch {
      // Sent anyway: a second message beats none.
    }
    return true;
  }
}

function sendToCommand(argv: string[], body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${argv[0]} did not finish within ${NOTIFY_TIMEOUT_MS / 1000}s; killed`));
    }, NOTIFY_TIMEOUT_MS);
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-500)));
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `${argv[0]} exited ${code ?? signal}${stderr.trim() ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`,
          ),
        );
    });
    child.stdin.end(body);
  });
}

async function sendToWebhook(url: string, body: string): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(NOTIFY_TIMEOUT_MS),
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`${new URL(url).host} answered ${response.status}`);
}
