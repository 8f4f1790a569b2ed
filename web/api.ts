/**
 * What the page asks wg serve for, typed with the server's own payload types
 * (src/serve/api-types.ts): the JSON routes, an action, and the event streams.
 */
import type {
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
} from '../src/serve/api-types.js';

export type {
  AttemptView,
  DiffPayload,
  InboxItem,
  GraphEvent,
  GraphPayload,
  Header,
  Landed,
  TaskDetail,
  TaskView,
} from '../src/serve/api-types.js';

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  const body = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(body.error ?? `${response.status}`);
  return body;
}

/**
 * The token for actions, if this tab has it. It arrives in the URL's fragment (which the
 * browser never sends to the server), leaves the address bar at once, and stays in this tab.
 */
export function actionToken(): string | undefined {
  const given = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (given) {
    sessionStorage.setItem('wg-token', given[1]!);
    history.replaceState(null, '', `${location.pathname}#/graph`);
  }
  return sessionStorage.getItem('wg-token') ?? undefined;
}

const taskUrl = (id: string) => `/api/tasks/${encodeURIComponent(id)}`;
const attemptUrl = (id: string, attempt: string) => `${taskUrl(id)}/attempts/${attempt}`;

export const fetchInfo = () => getJson<Info>('/api/info');
export const fetchGraph = () => getJson<GraphPayload>('/api/graph');
export const fetchLayout = () => getJson<Layout>('/api/layout');
export const fetchTask = (id: string) => getJson<TaskDetail>(taskUrl(id));
export const fetchInbox = () => getJson<InboxPayload>('/api/inbox');
/** What the task's attempt changed: the pending result by default (as `wg diff`). */
export const fetchDiff = (id: string) => getJson<DiffPayload>(`${taskUrl(id)}/diff`);

/** The prompt an attempt was given, as text (or the server's error, as it says it). */
export async function fetchPrompt(id: string, attempt: number): Promise<string> {
  return (await fetch(`${attemptUrl(id, String(attempt))}/prompt`)).text();
}

export type Action = 'retry' | 'unclaim' | 'abandon' | 'approve' | 'reject' | 'answer';

/** An action on a task with the action token (its body as the server's route checks it); the error the server gave, if any. */
export async function postAction(
  id: string,
  action: Action,
  token: string,
  body: Record<string, unknown>,
): Promise<{ ok: true } | { ok: false; error: string | undefined }> {
  const response = await fetch(`${taskUrl(id)}/${action}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const result = (await response.json()) as { error?: string };
  return response.ok ? { ok: true } : { ok: false, error: result.error };
}

const data = <T>(event: Event) => JSON.parse((event as MessageEvent<string>).data) as T;

/** Follow one of an attempt's files; `onText` gets each new part, after any skipped backlog. */
export function follow(
  id: string,
  attempt: string,
  file: 'output' | 'events',
  onStart: (skipped: number) => void,
  onText: (text: string) => void,
): EventSource {
  const stream = new EventSource(`${attemptUrl(id, attempt)}/${file}`);
  stream.addEventListener('start', (event) => onStart(data<FileStart>(event).skipped));
  stream.addEventListener('output', (event) => onText(data<FileChunk>(event).text));
  return stream;
}

export interface GraphStreamHandlers {
  open(): void;
  error(): void;
  hello(message: Hello): void;
  graph(message: GraphEvent): void;
}

/** The graph's changes as they happen (/api/events); EventSource reconnects by itself. */
export function followGraph(handlers: GraphStreamHandlers): EventSource {
  const events = new EventSource('/api/events');
  events.addEventListener('open', () => handlers.open());
  events.addEventListener('error', () => handlers.error());
  events.addEventListener('hello', (event) => handlers.hello(data<Hello>(event)));
  events.addEventListener('graph', (event) => handlers.graph(data<GraphEvent>(event)));
  return events;
}
