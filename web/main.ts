/**
 * wg serve's page: a header, the drawn graph, a filterable list, the inbox and a task page (one module
 * each in views/), all kept current by /api/events (no reload, no polling). This file only
 * wires them together: the token, the routes, the event stream and the first load.
 */
import { actionToken, fetchGraph, fetchInfo, followGraph } from './api.js';
import { $, el } from './dom.js';
import { applyEvent, EMPTY, fromGraph, type State } from './state.js';
import { timings } from './timings.js';
import * as graphView from './views/graph.js';
import * as headerView from './views/header.js';
import * as inboxView from './views/inbox.js';
import * as listView from './views/list.js';
import * as taskView from './views/task.js';

const openTask = (id: string) => (location.hash = `#/task/${encodeURIComponent(id)}`);
const header = headerView.mount($('header'));
const graph = graphView.mount($('graph-view'), openTask);
const list = listView.mount($('list-view'), openTask);
const inbox = inboxView.mount($('inbox-view'));
let task: ReturnType<typeof taskView.mount> | undefined;
let state: State = EMPTY;

function show(next: State): Promise<void> {
  state = next;
  header.update(state);
  list.update(state);
  task?.update(state);
  inbox.update();
  return graph.update(state);
}

function route(): void {
  const hash = location.hash || '#/graph';
  const taskMatch = /^#\/task\/(.+)$/.exec(hash);
  const view = taskMatch ? 'task' : hash === '#/list' ? 'list' : hash === '#/inbox' ? 'inbox' : 'graph';
  $('graph-view').hidden = view !== 'graph';
  $('list-view').hidden = view !== 'list';
  $('inbox-view').hidden = view !== 'inbox';
  $('task-view').hidden = view !== 'task';
  $('nav-graph').classList.toggle('active', view === 'graph');
  $('nav-list').classList.toggle('active', view === 'list');
  $('nav-inbox').classList.toggle('active', view === 'inbox');
  if (taskMatch) task?.show(decodeURIComponent(taskMatch[1]!));
  else task?.hide();
  if (view === 'inbox') inbox.show();
  else inbox.hide();
}

async function loadAll(): Promise<void> {
  const payload = await fetchGraph();
  timings.graphJson = performance.now();
  const drawn = show(fromGraph(payload));
  timings.listRendered = performance.now();
  await drawn;
  $('footer').textContent =
    `${state.tasks.size} tasks · list in ${Math.round(timings.listRendered)} ms · graph drawn at ${Math.round(timings.graphRendered ?? 0)} ms after navigation`;
}

function connect(): void {
  let known: number | undefined;
  followGraph({
    open: () => header.connection('live'),
    error: () => header.connection('down'),
    hello: ({ version }) => {
      // A reconnection after missed changes: start again from the whole graph.
      if (known !== undefined && version !== known) void loadAll();
      known = version;
    },
    graph: (message) => {
      known = message.version;
      void show(applyEvent(state, message));
    },
  });
}

async function start(): Promise<void> {
  const token = actionToken();
  connect();
  const info = await fetchInfo();
  task = taskView.mount($('task-view'), { token: info.actions ? token : undefined });
  window.addEventListener('hashchange', route);
  route();
  // A clock for the elapsed time only: the data itself arrives by events.
  setInterval(header.tick, 1000);
  await loadAll();
  document.body.dataset.loaded = 'true';
}

start().catch((error: unknown) => {
  document.body.prepend(el('p', { class: 'error', text: `wg serve: ${(error as Error).message}` }));
});
