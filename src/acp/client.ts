/**
 * One ACP session with one agent program, on `@agentclientprotocol/sdk`: start the agent
 * in a process group of its own, `initialize`, `session/new` (the attempt's working
 * directory, wg's MCP server), `session/set_mode` when the agent needs one to ask for
 * permissions, then one `session/prompt` with the task's prompt. Updates, permission
 * answers and the turn's end come out as normalized events.
 *
 * Stopping: when `signal` aborts (the runner's timeout or Ctrl-C reached this process as
 * SIGTERM), wg sends `session/cancel`, waits a moment for the turn to end, then stops the
 * agent's whole process group (Gemini re-executes itself; agents leave MCP servers
 * running). The group is stopped after a normal end too.
 */
import { spawn } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { client, ndJsonStream, PROTOCOL_VERSION, RequestError } from '@agentclientprotocol/sdk/unstable';
import type { McpServer, PromptResponse } from '@agentclientprotocol/sdk/unstable';
import type { AgentEvent } from '../protocol/agent-event.js';
import { decidePermission, type PermissionPolicy } from './permission.js';
import { UpdateMapper, type TurnEnd } from './updates.js';

export interface AcpSessionOptions {
  /** For messages: `opencode`, `acp:opencode`. */
  agentName: string;
  file: string;
  args: readonly string[];
  cwd: string;
  env: Record<string, string | undefined>;
  prompt: string;
  mode?: string | undefined;
  mcpServers: McpServer[];
  policy: PermissionPolicy;
  emit(event: AgentEvent): void;
  /** A diagnostic line (the agent's stderr, what wg did). */
  note(line: string): void;
  signal: AbortSignal;
  /** How long a cancelled turn may take to end before the agent is stopped. */
  cancelGraceMs?: number;
}

/** SIGTERM to the group, SIGKILL to what is left after `graceMs`. */
async function stopGroup(pgid: number, graceMs: number): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-pgid, name);
      return true;
    } catch {
      return false; // ESRCH: nobody left.
    }
  };
  if (!signal('SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await sleep(25);
    if (!signal(0 as unknown as NodeJS.Signals)) return;
  }
  signal('SIGKILL');
}

export async function runAcpSession(options: AcpSessionOptions): Promise<void> {
  const mapper = new UpdateMapper(options.agentName);
  const emit = (events: AgentEvent[]) => events.forEach((event) => options.emit(event));
  const child = spawn(options.file, [...options.args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = signal ? `signal ${signal}` : `exit code ${code}`;
      resolve();
    });
    child.once('error', (error) => {
      exited = error.message;
      resolve();
    });
  });
  let stderrTail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-2000);
    for (const line of chunk.split('\n')) if (line.trim() !== '') options.note(line.trimEnd());
  });
  child.stdin.on('error', () => {
    // The agent died: the connection closes and its requests fail, which says it better.
  });

  const graceMs = options.cancelGraceMs ?? 1000;
  let sessionId: string | undefined;
  let cancelled = false;
  let stopTimer: NodeJS.Timeout | undefined;
  const cancel = async (ctx: { notify(method: 'session/cancel', params: { sessionId: string }): Promise<void> }) => {
    if (cancelled) return;
    cancelled = true;
    // Never a hang: an agent that does not end its turn in time is stopped, which fails its requests.
    stopTimer = setTimeout(() => void (child.pid !== undefined && stopGroup(child.pid, graceMs)), graceMs);
    if (sessionId === undefined) return;
    options.note(`wg: cancelling the ${options.agentName} session`);
    await ctx.notify('session/cancel', { sessionId }).catch(() => undefined);
  };

  const app = client({ name: 'wg' })
    .onRequest('session/request_permission', ({ params }) => {
      mapper.permission(params.toolCall);
      const decision = decidePermission(params.toolCall, params.options, options.policy);
      if (decision.allowed) {
        options.note(`wg: allowed ${decision.request}`);
      } else {
        options.note(`wg: refused ${decision.request}`);
        options.emit({
          type: 'halt',
          kind: 'permission-denied',
          request: decision.request,
          ...(decision.rule ? { rule: decision.rule } : {}),
        });
      }
      return { outcome: decision.answer };
    })
    .onNotification('session/update', ({ params }) => emit(mapper.update(params.update)));

  const stream = ndJsonStream(
    Writable.toWeb(child.stdin) as WritableStream<Uint8Array>,
    Readable.toWeb(child.stdout) as ReadableStream<Uint8Array>,
  );

  let turn: TurnEnd;
  try {
    const response = await app.connectWith(stream, async (ctx) => {
      const onAbort = () => void cancel(ctx);
      options.signal.addEventListener('abort', onAbort, { once: true });
      try {
        await ctx.request('initialize', {
          protocolVersion: PROTOCOL_VERSION,
          // No fs and no terminal: the agent reads, writes and runs commands itself, in its
          // working directory (Gemini cannot create files through a client's fs).
          clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false },
          clientInfo: { name: 'wg', version: '1' },
        });
        const session = await ctx.request('session/new', { cwd: options.cwd, mcpServers: options.mcpServers });
        sessionId = session.sessionId;
        const modes = session.modes?.availableModes?.map((mode) => mode.id) ?? [];
        const mode = options.mode && modes.find((id) => id === options.mode || id.endsWith(`#${options.mode}`));
        if (mode && mode !== session.modes?.currentModeId)
          await ctx.request('session/set_mode', { sessionId: session.sessionId, modeId: mode });
        if (options.signal.aborted) await cancel(ctx);
        const prompt = ctx.request('session/prompt', {
          sessionId: session.sessionId,
          prompt: [{ type: 'text', text: options.prompt }],
        });
        return await prompt;
      } finally {
        options.signal.removeEventListener('abort', onAbort);
      }
    });
    turn = {
      kind: 'stopped',
      stopReason: response.stopReason,
      response: response as PromptResponse & Record<string, unknown>,
    };
  } catch (error) {
    const code = error instanceof RequestError ? error.code : undefined;
    let message = error instanceof Error ? error.message : String(error);
    // What went wrong is often only in `data`: `details` (opencode), `message` (Codex's adapter: `Internal error` with
    // data.message `exceeded retry limit, last status: 429 Too Many Requests`).
    const data =
      error instanceof RequestError ? (error.data as { details?: unknown; message?: unknown } | undefined) : undefined;
    const detail =
      typeof data?.details === 'string' ? data.details : typeof data?.message === 'string' ? data.message : undefined;
    if (detail !== undefined && detail !== message) message = `${message}: ${detail}`;
    if (exited !== undefined)
      message = `${message} (the agent ended: ${exited}${stderrTail.trim() ? `; ${stderrTail.trim().split('\n').at(-1)}` : ''})`;
    turn = cancelled ? { kind: 'stopped', stopReason: 'cancelled', response: {} } : { kind: 'failed', message, code };
  }
  emit(mapper.end(turn));
  if (stopTimer) clearTimeout(stopTimer);
  // The turn is over; whatever the agent left running (MCP servers, a re-executed child) goes with its group.
  if (child.pid !== undefined) await stopGroup(child.pid, graceMs);
  await Promise.race([exit, sleep(graceMs)]);
}
