/**
 * `wg serve`'s HTTP server: the built front end, a JSON API over the graph, and two
 * event streams (graph changes from the store's watch; a running attempt's output
 * from its file). Read-only unless actions are enabled, and then only with the token.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve, sep } from 'node:path';
import { z } from 'zod';
import type { Config } from '../config/config.js';
import { NotFoundError, WgError } from '../errors.js';
import { parseDuration } from '../graph/duration.js';
import { computeInbox } from '../graph/inbox.js';
import { getTask, type Graph } from '../graph/model.js';
import { answerQuestion } from '../graph/questions.js';
import { parseReviewComment, pendingOf } from '../graph/review.js';
import type { ReviewComment } from '../graph/schema.js';
import { abandonTask, retryTask, unclaimTask, type Caller } from '../graph/transitions.js';
import { attemptDiff, findAttemptChange } from '../worktree/diff.js';
import { findRepo } from '../worktree/repo.js';
import { packagePath } from '../system/package-root.js';
import { approvePending, rejectPending } from '../worktree/review.js';
import type { WorkspaceStore } from '../store/store.js';
import type {
  ActionResult,
  AttemptView,
  DiffPayload,
  FileChunk,
  FileStart,
  GraphEvent,
  GraphPayload,
  Hello,
  InboxPayload,
  Info,
  Layout,
  TaskDetail,
} from './api-types.js';
import { LayoutCache, NODE_HEIGHT, NODE_WIDTH } from './layout.js';
import { activeRuns, inboxRunFacts, lastRun } from '../runner/run-record.js';
import { watchActiveRuns } from './runs.js';
import { attemptFolder, unlinkedFile } from './attempt-files.js';
import { oneAtATime } from './one-at-a-time.js';
import { tailFile, whenFolderExists, type Tail } from './tail.js';
import {
  EventStream,
  HttpError,
  parseQuery,
  readBody,
  sameSecret,
  SECURITY_HEADERS,
  sendJson,
  zodLine,
} from './http.js';
import { attemptsOf, graphView, structureKey, type GraphView, type TaskView } from './view.js';

export interface ServeOptions {
  store: WorkspaceStore;
  /** The .workgraph folder: attempts' files are read from its runs/ folder only. */
  workgraphDir: string;
  /** The project's folder (diffs and verdicts are git's work) and its settings. */
  root: string;
  config: Config;
  host: string;
  port: number;
  /** When set, the actions (retry, abandon, unclaim, approve, reject, answer) are allowed to a request carrying this token. */
  actionToken?: string | undefined;
  actor: string;
  budgetUsd?: number | undefined;
  defaultMaxRetries: number;
  /** Where the built front end is (default: dist/web beside this module). */
  webDir?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The only files served, by URL path; nothing else on disk is reachable. */
const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/assets/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/assets/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

const OUTPUT_BACKLOG = 256 * 1024;

export const ACTIONS = ['retry', 'abandon', 'unclaim', 'approve', 'reject', 'answer'] as const;
type ActionName = (typeof ACTIONS)[number];

const GraphQuery = z.strictObject({
  status: z.string().min(1).max(40).optional(),
  actor: z.string().min(1).max(200).optional(),
  tag: z.string().min(1).max(200).optional(),
});
const OutputQuery = z.strictObject({ from: z.coerce.number().int().nonnegative().optional() });
const ActionBody = z.strictObject({ reason: z.string().trim().min(1).max(2000).optional() });
const ApproveBody = z.strictObject({ comment: z.string().trim().min(1).max(2000).optional() });
const RejectBody = z.strictObject({
  reason: z.string().trim().min(1).max(2000),
  /** Each as `wg reject --comment` takes it: "path:line: text". */
  comments: z.array(z.string().max(4000)).max(200).optional(),
});
const AnswerBody = z.strictObject({
  text: z.string().trim().min(1).max(20_000),
  allow: z.array(z.string().trim().min(1).max(500)).max(50).optional(),
});
const DiffQuery = z.strictObject({
  attempt: z.coerce.number().int().positive().optional(),
  stat: z.enum(['0', '1']).optional(),
});

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function defaultWebDir(): string {
  return `${packagePath('dist', 'web')}${sep}`;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const { store } = options;
  const webDir = options.webDir ?? defaultWebDir();
  const runsDir = resolve(options.workgraphDir, 'runs');
  const layouts = new LayoutCache();
  const graphClients = new Set<EventStream>();
  const closers = new Set<() => void>();

  let graph: Graph = await store.load();
  const runs = () => activeRuns(options.workgraphDir);
  let view: GraphView = graphView(graph, options.budgetUsd, runs(), lastRun(options.workgraphDir));
  let byId = new Map(view.tasks.map((task) => [task.id, JSON.stringify(task)]));
  let version = 1;
  let structure = structureKey(view);
  const layoutInput = (current: GraphView) => () => ({
    nodes: current.tasks.map((task) => ({ id: task.id, width: NODE_WIDTH, height: NODE_HEIGHT })),
    edges: current.tasks.flatMap((task) => task.blocked_by.map((from) => ({ from, to: task.id }))),
  });
  // Start laying out at once: by the time a browser asks, it is usually ready.
  layouts.get(structure, layoutInput(view)).catch(() => undefined);

  /** Read the graph again and send each client what changed (once more if asked meanwhile). */
  const refresh = oneAtATime(async () => {
    try {
      graph = await store.load();
    } catch (error) {
      for (const client of graphClients) client.send('problem', { error: (error as Error).message.split('\n')[0] });
      return;
    }
    const next = graphView(graph, options.budgetUsd, runs(), lastRun(options.workgraphDir));
    const nextById = new Map(next.tasks.map((task) => [task.id, JSON.stringify(task)]));
    const changed: TaskView[] = next.tasks.filter((task) => byId.get(task.id) !== nextById.get(task.id));
    const removed = [...byId.keys()].filter((id) => !nextById.has(id));
    const nextStructure = structureKey(next);
    const structureChanged = nextStructure !== structure;
    const pathChanged = next.critical_path.join() !== view.critical_path.join();
    const headerChanged = JSON.stringify(next.header) !== JSON.stringify(view.header);
    [view, byId, structure] = [next, nextById, nextStructure];
    if (changed.length === 0 && removed.length === 0 && !pathChanged && !headerChanged) return;
    version++;
    if (structureChanged) layouts.get(structure, layoutInput(view)).catch(() => undefined);
    const message: GraphEvent = structureChanged
      ? { version, full: true, tasks: view.tasks, critical_path: view.critical_path, header: view.header }
      : { version, full: false, changed, removed, critical_path: view.critical_path, header: view.header };
    for (const client of graphClients) client.send('graph', message);
  });
  const stopWatching = await store.watch(refresh);
  // A runner starting, pausing a backend or ending changes the header, not the graph.
  const stopWatchingRuns = watchActiveRuns(options.workgraphDir, refresh);

  const taskOf = (id: string) => {
    const task = graph.tasks.get(id);
    if (!task) throw new HttpError(404, `no task "${id}"`);
    return task;
  };

  /** The attempt's folder, only for a task that exists. */
  const attemptDir = (id: string, attempt: string): string => {
    taskOf(id);
    return attemptFolder(runsDir, id, attempt);
  };
  const attemptFile = (dir: string, name: string) => unlinkedFile(runsDir, dir, name);

  const taskDetail = async (id: string): Promise<TaskDetail> => {
    const task = taskOf(id);
    const attempts = attemptsOf(task);
    let onDisk: number[];
    try {
      const dir = resolve(attemptDir(id, '1'), '..');
      onDisk = (await readdir(dir)).filter((name) => /^[1-9]\d*$/.test(name)).map(Number);
    } catch {
      onDisk = [];
    }
    for (const number of onDisk)
      if (!attempts.some((attempt) => attempt.attempt === number))
        attempts.push({
          attempt: number,
          actor: null,
          started: null,
          outcome: 'unknown',
          reason: null,
          output: null,
          cost_usd: null,
          backend: null,
          model: null,
        });
    attempts.sort((a, b) => a.attempt - b.attempt);
    const files = await Promise.all(
      attempts.map(async (attempt): Promise<AttemptView> => {
        const dir = attemptDir(id, String(attempt.attempt));
        // A planted link counts as absent here (its own route says why).
        const size = async (name: string) =>
          (
            await attemptFile(dir, name)
              .then((path) => stat(path))
              .catch(() => undefined)
          )?.size ?? null;
        let command: { backend?: string; model?: string | null } = {};
        try {
          command = JSON.parse(await readFile(await attemptFile(dir, 'command.json'), 'utf8')) as typeof command;
        } catch {
          command = {};
        }
        return {
          ...attempt,
          backend: attempt.backend ?? command.backend ?? null,
          model: attempt.model ?? command.model ?? null,
          prompt_bytes: await size('prompt.md'),
          output_bytes: await size('output.log'),
        };
      }),
    );
    const summary = view.tasks.find((item) => item.id === id);
    return {
      task,
      display: summary?.display ?? task.status,
      cost_usd: summary?.cost_usd ?? 0,
      attempts: files,
      on_critical_path: view.critical_path.includes(id),
    };
  };

  /** The token check every action makes, then its JSON body checked against its schema. */
  const actionBody = async <T extends z.ZodType>(req: IncomingMessage, schema: T): Promise<z.infer<T>> => {
    if (options.actionToken === undefined)
      throw new HttpError(403, 'actions are off: start wg serve with --allow-actions');
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    if (!given || !sameSecret(given, options.actionToken))
      throw new HttpError(403, 'missing or wrong action token (it is printed with the URL)');
    if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
      throw new HttpError(415, 'send the body as application/json');
    let raw: unknown;
    try {
      const text = await readBody(req);
      raw = text.trim() === '' ? {} : JSON.parse(text);
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw new HttpError(400, 'the body is not JSON');
    }
    const body = schema.safeParse(raw);
    if (!body.success) throw new HttpError(400, `bad body: ${zodLine(body.error)}`);
    return body.data;
  };
  const caller = (): Caller => ({ actor: options.actor, now: new Date(), credentials: undefined, force: false });
  const place = { root: options.root, workgraphDir: options.workgraphDir, config: options.config };
  const apply = <T>(change: (graph: Graph) => T) => store.transact(change);
  /** Aborts a re-verify still running when the server stops. */
  const stopping = new AbortController();

  const act = async (req: IncomingMessage, id: string, action: ActionName): Promise<ActionResult> => {
    const done = (task: { id: string; status: string }) => {
      refresh();
      return { id: task.id, status: task.status };
    };
    if (action === 'approve') {
      const body = await actionBody(req, ApproveBody);
      // Refused before git is touched when there is nothing to approve.
      pendingOf(getTask(await store.load(), id));
      const result = await approvePending(
        place,
        apply,
        id,
        caller(),
        { reviewer: 'person', comment: body.comment },
        stopping.signal,
      );
      if (result.kind === 'not-landed') {
        refresh();
        throw new HttpError(409, `${id} did not land: ${result.reason} (it is now ${result.task.status})`);
      }
      return done(result.task);
    }
    if (action === 'reject') {
      const body = await actionBody(req, RejectBody);
      let comments: ReviewComment[];
      try {
        comments = (body.comments ?? []).map(parseReviewComment);
      } catch (error) {
        throw new HttpError(400, (error as Error).message);
      }
      pendingOf(getTask(await store.load(), id));
      return done(
        await rejectPending(place, apply, id, caller(), { reviewer: 'person', reason: body.reason, comments }),
      );
    }
    if (action === 'answer') {
      const body = await actionBody(req, AnswerBody);
      return done(await apply((current) => answerQuestion(current, id, caller(), body.text, body.allow ?? [])));
    }
    const { reason } = await actionBody(req, ActionBody);
    if (action === 'abandon' && reason === undefined) throw new HttpError(400, 'abandon needs a reason');
    const by = caller();
    return done(
      await store.transact((current) => {
        if (action === 'retry') return retryTask(current, id, by, options.defaultMaxRetries);
        if (action === 'abandon') return abandonTask(current, id, by, reason!);
        return unclaimTask(current, id, by, reason ?? 'from wg serve');
      }),
    );
  };

  const diffOf = async (id: string, url: URL): Promise<DiffPayload> => {
    const query = parseQuery(DiffQuery, url);
    const task = taskOf(id);
    const repo = await findRepo(options.root);
    if ('none' in repo)
      throw new HttpError(409, `${options.root}: ${repo.none}, so wg keeps no record of what a task changed`);
    const change = await findAttemptChange(
      repo,
      options.workgraphDir,
      task,
      query.attempt,
      options.config.run.worktree_link,
    );
    return attemptDiff(repo.top, change, { stat: query.stat === '1' });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, allowedHosts: Set<string> | undefined) => {
    if (allowedHosts && !allowedHosts.has((req.headers.host ?? '').toLowerCase()))
      throw new HttpError(421, 'unexpected Host header');
    const url = new URL(req.url ?? '/', 'http://wg.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const action = new RegExp(`^/api/tasks/([^/]+)/(${ACTIONS.join('|')})$`).exec(path);
    if (action) {
      if (method !== 'POST') throw new HttpError(405, 'use POST');
      return sendJson(res, 200, await act(req, decodeURIComponent(action[1]!), action[2] as ActionName));
    }
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'only GET, except for actions');

    const asset = ASSETS[path];
    if (asset) {
      const file = join(webDir, asset.file);
      if (!existsSync(file))
        throw new HttpError(500, "the front end is not built: run `npm run build:web` in wg's folder");
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': asset.type });
      return res.end(await readFile(file));
    }
    if (path === '/api/info')
      return sendJson(res, 200, { actions: options.actionToken !== undefined, version } satisfies Info);
    if (path === '/api/graph') {
      const query = parseQuery(GraphQuery, url);
      const tasks = view.tasks.filter(
        (task) =>
          (!query.status || task.display === query.status || task.status === query.status) &&
          (!query.actor || task.assigned === query.actor) &&
          (!query.tag || task.tags.includes(query.tag)),
      );
      return sendJson(res, 200, {
        version,
        tasks,
        critical_path: view.critical_path,
        header: view.header,
      } satisfies GraphPayload);
    }
    if (path === '/api/inbox') {
      parseQuery(z.strictObject({}), url);
      const items = computeInbox(
        graph,
        inboxRunFacts(options.workgraphDir),
        new Date(),
        parseDuration(options.config.notify.long_pause),
      );
      return sendJson(res, 200, { items } satisfies InboxPayload);
    }
    if (path === '/api/layout') {
      parseQuery(z.strictObject({}), url);
      const layout: Layout = await layouts.get(structure, layoutInput(view));
      return sendJson(res, 200, layout);
    }
    if (path === '/api/events') {
      parseQuery(z.strictObject({}), url);
      const stream = new EventStream(res);
      stream.send('hello', { version } satisfies Hello);
      graphClients.add(stream);
      const close = () => {
        graphClients.delete(stream);
        closers.delete(close);
        res.end();
      };
      closers.add(close);
      req.on('close', close);
      return;
    }
    const diff = /^\/api\/tasks\/([^/]+)\/diff$/.exec(path);
    if (diff) return sendJson(res, 200, await diffOf(decodeURIComponent(diff[1]!), url));
    const task = /^\/api\/tasks\/([^/]+)$/.exec(path);
    if (task) return sendJson(res, 200, await taskDetail(decodeURIComponent(task[1]!)));
    const file = /^\/api\/tasks\/([^/]+)\/attempts\/([^/]+)\/(prompt|output|events)$/.exec(path);
    if (file) {
      const dir = attemptDir(decodeURIComponent(file[1]!), decodeURIComponent(file[2]!));
      if (file[3] === 'prompt') {
        const text = await readFile(await attemptFile(dir, 'prompt.md'), 'utf8').catch((error: unknown) => {
          if (error instanceof HttpError) throw error;
          return undefined;
        });
        if (text === undefined) throw new HttpError(404, 'this attempt has no prompt on disk');
        res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
        return res.end(text);
      }
      const taskId = decodeURIComponent(file[1]!);
      const running = attemptsOf(taskOf(taskId)).some(
        (attempt) => String(attempt.attempt) === file[2] && attempt.outcome === 'running',
      );
      // A running attempt's folder may be made a moment after its claim: its stream waits for it.
      if (!existsSync(dir) && !running) throw new HttpError(404, 'this attempt has no files on disk');
      const query = parseQuery(OutputQuery, url);
      const name = file[3] === 'output' ? 'output.log' : 'events.jsonl';
      // A link is refused before the stream starts, so it is answered with its status.
      if (existsSync(dir)) await attemptFile(dir, name);
      const stream = new EventStream(res);
      let tail: Tail | undefined;
      let closed = false;
      const startTail = async () => {
        await attemptFile(dir, name);
        const size = (await stat(join(dir, name)).catch(() => undefined))?.size ?? 0;
        const from = query.from ?? Math.max(0, size - OUTPUT_BACKLOG);
        if (closed) return;
        stream.send('start', { from, skipped: from } satisfies FileStart);
        tail = tailFile(
          join(dir, name),
          from,
          (text, offset) => stream.send('output', { text, offset } satisfies FileChunk),
          (error) => stream.send('problem', { error: error.message }),
        );
      };
      let stopWaiting: (() => void) | undefined;
      if (existsSync(dir)) await startTail();
      else
        stopWaiting = whenFolderExists(
          dir,
          () =>
            void startTail().catch((error: unknown) => {
              stream.send('problem', { error: (error as Error).message });
              close();
            }),
          (error) => stream.send('problem', { error: error.message }),
        );
      const close = () => {
        closed = true;
        stopWaiting?.();
        tail?.stop();
        closers.delete(close);
        res.end();
      };
      closers.add(close);
      req.on('close', close);
      return;
    }
    throw new HttpError(404, `nothing at ${path}`);
  };

  let allowedHosts: Set<string> | undefined;
  const server: Server = createServer((req, res) => {
    handle(req, res, allowedHosts).catch((error: unknown) => {
      const status =
        error instanceof HttpError
          ? error.status
          : error instanceof NotFoundError
            ? 404
            : error instanceof WgError
              ? 409
              : 500;
      const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      if (res.headersSent) return res.end();
      sendJson(res, status, { error: message });
    });
  });
  try {
    await new Promise<void>((resolvePromise, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => resolvePromise());
    });
  } catch (error) {
    // The watches would keep the process up with nothing to serve.
    await stopWatching();
    stopWatchingRuns();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  if (LOOPBACK.has(options.host)) allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  const keepAlive = setInterval(() => graphClients.forEach((client) => client.comment()), 15_000);
  keepAlive.unref();
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    close: async () => {
      clearInterval(keepAlive);
      stopping.abort();
      await stopWatching();
      stopWatchingRuns();
      for (const close of [...closers]) close();
      await new Promise<void>((resolvePromise) => server.close(() => resolvePromise()));
    },
  };
}
