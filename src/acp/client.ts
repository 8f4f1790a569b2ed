/**
 * One ACP session with one agent program, on `@agentclientprotocol/sdk`: start the agent
 * in a process group of its own, `initialize`, `session/new` (the attempt's working
 * directory, wg's MCP server: stdio, or http served from this process when the agent takes
 * only that) or, to continue an earlier attempt's session, `session/resume` (else
 * `session/load`, whose replay of the old turns is not reported again), then
 * `session/set_mode` when the agent needs one to ask for permissions, then one
 * `session/prompt` with the task's prompt. Updates, permission answers and the turn's end
 * come out as normalized events; the result names the session, so a later step can continue it.
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
import type { McpServer, PromptResponse, SessionModeState } from '@agentclientprotocol/sdk/unstable';
import type { AgentEvent } from '../protocol/agent-event.js';
import type { HttpMcpServer } from '../mcp/http.js';
import { decidePermission, type PermissionPolicy } from './permission.js';
import { UpdateMapper, type TurnEnd } from './updates.js';
import { httpMcpEntry } from './wg-mcp.js';

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
  /** An earlier attempt's session to continue (the previous trajectory step's, or this task's last attempt's). */
  resumeSession?: string | undefined;
  /**
   * An http MCP server offered when the agent says it takes them (`initialize`:
   * `mcpCapabilities.http`): started then, in this process, and closed when the session ends.
   */
  httpMcp?: { name: string; start(): Promise<HttpMcpServer> } | undefined;
  policy: PermissionPolicy;
  emit(event: AgentEvent): void;
  /** A diagnostic line (the agent's stderr, what wg did). */
  note(line: string): void;
  signal: AbortSignal;
  /** How long a cancelled turn may take to end before the agent is stopped. */
  cancelGraceMs?: number;
}

/** The earlier session could not be continued: the attempt fails, and its retry starts a fresh session. */
class ResumeFailure extends Error {
  constructor(session: string, why: string) {
    super(`could not continue the earlier session ${session} (${why}); a retry starts a fresh session`);
  }
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

  // While `session/load` replays the old session's turns, they are history, not this attempt's work.
  let replaying = false;
  const app = client({ name: 'wg' })
    .onRequest('session/request_permission', ({ params }) => {
      const announcedTitle = mapper.toolTitle(params.toolCall.toolCallId);
      mapper.permission(params.toolCall);
      const decision = decidePermission({ ...params.toolCall, announcedTitle }, params.options, options.policy);
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
    .onNotification('session/update', ({ params }) => {
      if (!replaying) emit(mapper.update(params.update));
    });

  const stream = ndJsonStream(
    Writable.toWeb(child.stdin) as WritableStream<Uint8Array>,
    Readable.toWeb(child.stdout) as ReadableStream<Uint8Array>,
  );

  let http: HttpMcpServer | undefined;
  let turn: TurnEnd;
  try {
    const response = await app.connectWith(stream, async (ctx) => {
      const onAbort = () => void cancel(ctx);
      options.signal.addEventListener('abort', onAbort, { once: true });
      try {
        const init = await ctx.request('initialize', {
          protocolVersion: PROTOCOL_VERSION,
          // No fs and no terminal: the agent reads, writes and runs commands itself, in its
          // working directory (Gemini cannot create files through a client's fs).
          clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false },
          clientInfo: { name: 'wg', version: '1' },
        });
        const mcpServers = [...options.mcpServers];
        if (options.httpMcp && init.agentCapabilities?.mcpCapabilities?.http) {
          http = await options.httpMcp.start();
          mcpServers.push(httpMcpEntry(options.httpMcp.name, http));
          options.note(`wg: serving wg's MCP tools to ${options.agentName} over http at ${http.url}`);
        } else if (options.httpMcp) {
          options.note(`wg: ${options.agentName} takes no http MCP servers: wg's MCP tools are not offered`);
        }
        const where = { cwd: options.cwd, mcpServers };
        const resumed = options.resumeSession;
        let session: { sessionId: string; modes?: SessionModeState | null | undefined };
        if (resumed === undefined) {
          session = await ctx.request('session/new', where);
        } else {
          const caps = init.agentCapabilities;
          const how = caps?.sessionCapabilities?.resume ? 'resume' : caps?.loadSession ? 'load' : undefined;
          if (how === undefined) throw new ResumeFailure(resumed, 'the agent can neither resume nor load a session');
          try {
            replaying = how === 'load';
            const answer = await ctx.request(`session/${how}`, { ...where, sessionId: resumed });
            session = { sessionId: resumed, modes: answer?.modes };
          } catch (error) {
            throw new ResumeFailure(resumed, error instanceof Error ? error.message : String(error));
          } finally {
            replaying = false;
          }
          options.note(`wg: continues ${options.agentName} session ${resumed} (session/${how})`);
        }
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
  // The session is named in the result, so the next step (or a retry that repairs this work) can continue it.
  emit(mapper.end(turn).map((event) => (event.type === 'result' && sessionId ? { ...event, sessionId } : event)));
  if (stopTimer) clearTimeout(stopTimer);
  // The turn is over; whatever the agent left running (MCP servers, a re-executed child) goes with its group.
  if (child.pid !== undefined) await stopGroup(child.pid, graceMs);
  await Promise.race([exit, sleep(graceMs)]);
  await http?.close();
}
