/**
 * wg serve's page: a header, the drawn graph, a filterable list and a task page, all
 * kept current by /api/events (no reload, no polling). Plain DOM, no framework.
 */
import type { Header, TaskView } from '../src/serve/api-types.js';

interface GraphPayload {
  version: number;
  tasks: TaskView[];
  critical_path: string[];
  header: Header;
}
type GraphEvent = { version: number; critical_path: string[]; header: Header } & (
  { full: true; tasks: TaskView[] } | { full: false; changed: TaskView[]; removed: string[] }
);
interface Layout {
  width: number;
  height: number;
  nodes: Record<string, { x: number; y: number; width: number; height: number }>;
  edges: Array<{ from: string; to: string; points: Array<[number, number]> }>;
  ms: number;
}
interface Attempt {
  attempt: number;
  actor: string | null;
  started: string | null;
  outcome: string;
  reason: string | null;
  output: string | null;
  cost_usd: number | null;
  backend: string | null;
  model: string | null;
  prompt_bytes: number | null;
  output_bytes: number | null;
}
interface Landed {
  attempt: number;
  target: string;
  base: string;
  commit: string;
}
interface TaskDetail {
  task: Record<string, unknown> & {
    id: string;
    title: string;
    status: string;
    assigned?: string;
    description?: string;
    artifacts?: string[];
    failure_reason?: string;
    failure_output?: string;
    summary?: string;
    landed?: Landed;
    log?: Array<{ timestamp: string; actor?: string; message: string }>;
  };
  display: string;
  cost_usd: number;
  attempts: Attempt[];
  on_critical_path: boolean;
}

const SVG = 'http://www.w3.org/2000/svg';
// The last five are set only by the Rust wg (graphwork/wg); wg shows them as they are.
const STATUSES = [
  'open',
  'blocked',
  'in-progress',
  'pending-review',
  'done',
  'failed',
  'abandoned',
  'waiting',
  'pending-validation',
  'pending-eval',
  'failed-pending-eval',
  'incomplete',
];
const timings: Record<string, number> = {};
(window as unknown as { __wg: unknown }).__wg = { timings };

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}
function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}
const usd = (value: number) => `$${value.toFixed(value > 0 && value < 0.01 ? 4 : 2)}`;
function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

// The action token arrives in the URL's fragment (never sent to the server by the browser) and stays in this tab.
const tokenMatch = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
if (tokenMatch) {
  sessionStorage.setItem('wg-token', tokenMatch[1]!);
  history.replaceState(null, '', `${location.pathname}#/graph`);
}
const token = sessionStorage.getItem('wg-token');
let actionsEnabled = false;

const tasks = new Map<string, TaskView>();
let order: string[] = [];
let critical = new Set<string>();
let header: Header | undefined;
const nodes = new Map<string, SVGGElement>();
const rows = new Map<string, HTMLTableRowElement>();
let layoutVersion = 0;
let zoom = 1;

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  const body = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(body.error ?? `${response.status}`);
  return body;
}

// ---------- header ----------
function renderHeader(): void {
  if (!header) return;
  const counts = $('counts');
  counts.replaceChildren(
    ...STATUSES.filter((status) => header!.counts[status]).map((status) =>
      el('span', {
        class: 'badge',
        'data-display': status,
        'data-count': status,
        text: `${header!.counts[status]} ${status}`,
      }),
    ),
  );
  $('spend').textContent =
    header.budget_usd !== null
      ? `spent ${usd(header.spent_usd)} of ${usd(header.budget_usd)}`
      : `spent ${usd(header.spent_usd)}`;
  renderElapsed();
}
/** What changes with the clock alone: the elapsed time, and which pauses are still ahead. */
function renderElapsed(): void {
  if (!header) return;
  const ahead = header.paused.filter((pause) => Date.parse(pause.until) > Date.now());
  const pauses = $('pauses');
  pauses.dataset.paused = ahead.map((pause) => pause.backend).join(',');
  const now =
    ahead.length > 0
      ? `paused: ${ahead.map((pause) => `${pause.backend} until ${new Date(pause.until).toLocaleTimeString()}`).join(', ')}`
      : '';
  const past =
    header.rate_limit_pauses > 0
      ? `rate-limit pauses: ${header.rate_limit_pauses}${header.last_pause ? ` (last at ${new Date(header.last_pause).toLocaleTimeString()})` : ''}`
      : '';
  pauses.textContent = [now, past].filter(Boolean).join(' · ');
  if (!header.started_at) {
    $('elapsed').textContent = '';
    return;
  }
  const end = header.ended_at ? Date.parse(header.ended_at) : Date.now();
  const runners = header.runs.length > 1 ? ` · ${header.runs.length} runners` : '';
  $('elapsed').textContent =
    `elapsed ${duration(end - Date.parse(header.started_at))}${header.running ? ` · ${header.running} running` : ''}${runners}`;
}

// ---------- graph ----------
function paintNode(g: SVGGElement, task: TaskView): void {
  g.setAttribute('data-status', task.status);
  g.setAttribute('data-display', task.display);
  g.classList.toggle('critical', critical.has(task.id));
  const title = g.querySelector('title');
  if (title)
    title.textContent = `${task.id}: ${task.title} (${task.display}${task.assigned ? `, ${task.assigned}` : ''})`;
  const label = g.querySelector('text.status');
  if (label) label.textContent = `${task.display}${task.assigned ? ` · ${task.assigned}` : ''}`;
}

async function drawGraph(): Promise<void> {
  const version = ++layoutVersion;
  $('layout-note').textContent = `laying out ${tasks.size} tasks…`;
  const started = performance.now();
  const layout = await getJson<Layout>('/api/layout');
  if (version !== layoutVersion) return;
  timings.layoutReceived = performance.now();
  const root = $('graph') as unknown as SVGSVGElement;
  const edges = svg('g');
  const group = svg('g');
  nodes.clear();
  for (const edge of layout.edges) {
    const d = edge.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x},${y}`).join('');
    const path = svg('path', {
      d,
      class: 'edge',
      'marker-end': 'url(#arrow)',
      'data-from': edge.from,
      'data-to': edge.to,
    });
    edges.append(path);
  }
  for (const id of order) {
    const box = layout.nodes[id];
    const task = tasks.get(id);
    if (!box || !task) continue;
    // Reachable by keyboard too: Tab moves between tasks, Enter opens one.
    const g = svg('g', {
      class: 'node',
      'data-task-id': id,
      tabindex: 0,
      role: 'link',
      'aria-label': `task ${id}`,
      transform: `translate(${box.x - box.width / 2},${box.y - box.height / 2})`,
    });
    g.append(
      svg('title'),
      svg('rect', { class: 'box', width: box.width, height: box.height }),
      svg('rect', { class: 'bar', width: 5, height: box.height }),
    );
    const name = svg('text', { x: 10, y: 14 });
    name.textContent = task.id.length > 26 ? `${task.id.slice(0, 25)}…` : task.id;
    const status = svg('text', { x: 10, y: 27, class: 'status' });
    g.append(name, status);
    paintNode(g, task);
    nodes.set(id, g);
    group.append(g);
  }
  const defs = svg('defs');
  const marker = svg('marker', {
    id: 'arrow',
    viewBox: '0 0 10 10',
    refX: 10,
    refY: 5,
    markerWidth: 6,
    markerHeight: 6,
    orient: 'auto-start-reverse',
  });
  marker.append(svg('path', { d: 'M0,0L10,5L0,10z', fill: '#999' }));
  defs.append(marker);
  root.replaceChildren(defs, edges, group);
  root.dataset.width = String(layout.width);
  root.dataset.height = String(layout.height);
  applyZoom();
  markCriticalEdges();
  timings.graphRendered = performance.now();
  $('layout-note').textContent =
    `${tasks.size} tasks; layout ${layout.ms} ms on the server, drawn in ${Math.round(performance.now() - started)} ms`;
  root.dataset.ready = String(version);
}
function applyZoom(): void {
  const root = $('graph') as unknown as SVGSVGElement;
  const width = Number(root.dataset.width ?? 0);
  const height = Number(root.dataset.height ?? 0);
  root.setAttribute('viewBox', `0 0 ${width} ${height}`);
  root.setAttribute('width', String(Math.max(1, width * zoom)));
  root.setAttribute('height', String(Math.max(1, height * zoom)));
}
function markCriticalEdges(): void {
  const path = [...critical];
  const pairs = new Set(path.slice(1).map((id, i) => `${path[i]}>${id}`));
  for (const edge of $('graph').querySelectorAll<SVGPathElement>('path.edge'))
    edge.classList.toggle('critical', pairs.has(`${edge.dataset.from}>${edge.dataset.to}`));
}

// ---------- list ----------
function paintRow(row: HTMLTableRowElement, task: TaskView): void {
  row.setAttribute('data-status', task.status);
  row.classList.toggle('critical', critical.has(task.id));
  const cells = row.cells;
  cells[1]!.textContent = task.title;
  cells[2]!.replaceChildren(el('span', { class: 'badge', 'data-display': task.display, text: task.display }));
  cells[3]!.textContent = task.assigned ?? '';
  cells[4]!.textContent = task.tags.join(', ');
  cells[5]!.textContent = String(task.attempts);
  cells[6]!.textContent = task.cost_usd ? usd(task.cost_usd) : '';
}
function buildList(): void {
  rows.clear();
  const body = ($('list') as HTMLTableElement).tBodies[0]!;
  const fragment = document.createDocumentFragment();
  for (const id of order) {
    const task = tasks.get(id)!;
    const row = el(
      'tr',
      { 'data-task-id': id },
      el('td', { text: id }),
      el('td'),
      el('td'),
      el('td'),
      el('td'),
      el('td'),
      el('td'),
    );
    paintRow(row, task);
    rows.set(id, row);
    fragment.append(row);
  }
  body.replaceChildren(fragment);
  fillFilters();
  filterList();
}
function fillFilters(): void {
  const fill = (id: string, values: Iterable<string>) => {
    const select = $<HTMLSelectElement>(id);
    const chosen = select.value;
    select.replaceChildren(
      el('option', { value: '', text: 'any' }),
      ...[...new Set(values)].sort().map((value) => el('option', { value, text: value })),
    );
    select.value = chosen;
  };
  fill('filter-status', STATUSES);
  fill(
    'filter-actor',
    [...tasks.values()].flatMap((task) => (task.assigned ? [task.assigned] : [])),
  );
  fill(
    'filter-tag',
    [...tasks.values()].flatMap((task) => task.tags),
  );
}
function filterList(): void {
  const status = $<HTMLSelectElement>('filter-status').value;
  const actor = $<HTMLSelectElement>('filter-actor').value;
  const tag = $<HTMLSelectElement>('filter-tag').value;
  const text = $<HTMLInputElement>('filter-text').value.trim().toLowerCase();
  let shown = 0;
  for (const [id, row] of rows) {
    const task = tasks.get(id)!;
    const visible =
      (!status || task.display === status || task.status === status) &&
      (!actor || task.assigned === actor) &&
      (!tag || task.tags.includes(tag)) &&
      (!text || id.toLowerCase().includes(text) || task.title.toLowerCase().includes(text));
    row.hidden = !visible;
    if (visible) shown++;
  }
  $('list-note').textContent = `${shown} of ${rows.size} tasks`;
}

// ---------- task page ----------
let taskStream: EventSource[] | undefined;
let streamedAttempt: string | undefined;
let shownTask: string | undefined;
let outputBox: HTMLElement | undefined;
let eventsBox: HTMLElement | undefined;
/** An attempt whose output the person picked; otherwise the latest one is followed. */
let pinnedAttempt: string | undefined;

function closeTaskStream(): void {
  taskStream?.forEach((stream) => stream.close());
  taskStream = undefined;
  streamedAttempt = undefined;
}

/** Where the task's work went (`wg diff` shows the change itself). */
function landedText(id: string, landed: Landed): Node {
  const text =
    landed.commit === landed.base
      ? `nothing: attempt ${landed.attempt} changed no file`
      : `${landed.commit.slice(0, 12)} on ${landed.target} (attempt ${landed.attempt}, from ${landed.base.slice(0, 12)})`;
  return el('span', { id: 'task-landed', 'data-commit': landed.commit, title: `wg diff ${id}` }, el('code', { text }));
}

async function renderTask(id: string): Promise<void> {
  const section = $('task-view');
  let detail: TaskDetail;
  try {
    detail = await getJson<TaskDetail>(`/api/tasks/${encodeURIComponent(id)}`);
  } catch (error) {
    section.replaceChildren(el('p', { class: 'error', text: (error as Error).message }));
    return;
  }
  if (shownTask !== id) return;
  const task = detail.task;
  const facts = el('dl');
  const fact = (name: string, value: Node | string) => facts.append(el('dt', { text: name }), el('dd', {}, value));
  fact(
    'status',
    el('span', {
      class: 'badge',
      id: 'task-status',
      'data-status': task.status,
      'data-display': detail.display,
      text: detail.display,
    }),
  );
  fact('assignee', task.assigned ?? '—');
  fact('cost', usd(detail.cost_usd));
  if (detail.on_critical_path) fact('critical path', 'yes');
  if (task.failure_reason) fact('failure reason', task.failure_reason);
  if (task.failure_output) fact('check output', el('pre', { id: 'failure-output', text: task.failure_output }));
  if (task.summary) fact('summary', el('pre', { id: 'task-summary', text: task.summary }));
  const blockers = tasks.get(id)?.blocked_by ?? [];
  if (blockers.length)
    fact(
      'waits for',
      el(
        'span',
        {},
        ...blockers.flatMap((blocker, i) => [
          i ? ', ' : '',
          el('a', { href: `#/task/${encodeURIComponent(blocker)}`, text: blocker }),
        ]),
      ),
    );
  fact(
    'artifacts',
    task.artifacts?.length ? el('ul', {}, ...task.artifacts.map((path) => el('li', { text: path }))) : '—',
  );
  if (task.landed) fact('landed', landedText(task.id, task.landed));

  const attempts = el(
    'table',
    { id: 'attempts' },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...['#', 'actor', 'backend', 'model', 'outcome', 'reason', 'cost', 'prompt', 'output'].map((name) =>
          el('th', { text: name }),
        ),
      ),
    ),
  );
  const promptBox = el('pre', { id: 'prompt', hidden: '' });
  const body = el('tbody');
  for (const attempt of detail.attempts) {
    const promptButton = attempt.prompt_bytes !== null ? el('button', { type: 'button', text: 'show' }) : '—';
    if (promptButton instanceof HTMLButtonElement) {
      promptButton.onclick = async () => {
        const response = await fetch(`/api/tasks/${encodeURIComponent(id)}/attempts/${attempt.attempt}/prompt`);
        promptBox.textContent = await response.text();
        promptBox.hidden = false;
      };
    }
    const outputButton = attempt.output_bytes !== null ? el('button', { type: 'button', text: 'show' }) : '—';
    if (outputButton instanceof HTMLButtonElement) {
      outputButton.onclick = () => {
        pinnedAttempt = String(attempt.attempt);
        streamOutput(id, pinnedAttempt);
      };
    }
    body.append(
      el(
        'tr',
        { 'data-attempt': String(attempt.attempt), 'data-outcome': attempt.outcome },
        el('td', { text: String(attempt.attempt) }),
        el('td', { text: attempt.actor ?? '' }),
        el('td', { text: attempt.backend ?? '' }),
        el('td', { text: attempt.model ?? '' }),
        el('td', { text: attempt.outcome }),
        el(
          'td',
          {},
          attempt.reason ?? '',
          attempt.output
            ? el(
                'details',
                {},
                el('summary', { text: "check's last lines" }),
                el('pre', { class: 'check-output', text: attempt.output }),
              )
            : '',
        ),
        el('td', { text: attempt.cost_usd !== null ? usd(attempt.cost_usd) : '' }),
        el('td', {}, promptButton),
        el('td', {}, outputButton),
      ),
    );
  }
  attempts.append(body);

  const log = el(
    'table',
    { id: 'log' },
    el(
      'tbody',
      {},
      ...(task.log ?? []).map((entry) =>
        el(
          'tr',
          {},
          el('td', { text: entry.timestamp.slice(0, 19).replace('T', ' ') }),
          el('td', { text: entry.actor ?? '' }),
          el('td', { text: entry.message }),
        ),
      ),
    ),
  );
  const actions = el('div', { class: 'actions' });
  if (actionsEnabled && token) {
    const button = (name: string, enabled: boolean, needsReason: boolean) => {
      const node = el('button', { type: 'button', 'data-action': name, text: name });
      node.disabled = !enabled;
      node.onclick = async () => {
        const reason = needsReason ? prompt(`Why ${name} ${id}?`) : undefined;
        if (needsReason && !reason) return;
        const response = await fetch(`/api/tasks/${encodeURIComponent(id)}/${name}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify(reason ? { reason } : {}),
        });
        const result = (await response.json()) as { error?: string };
        $('action-result').textContent = response.ok ? `${name}: done` : `${name}: ${result.error}`;
      };
      return node;
    };
    actions.append(
      button('retry', task.status === 'failed', false),
      button('unclaim', task.status === 'in-progress', false),
      button('abandon', task.status !== 'done' && task.status !== 'abandoned', true),
      el('span', { id: 'action-result', class: 'note' }),
    );
  }
  // Keep following the attempt being shown (the latest, or one picked with its button) across re-renders.
  const latest = detail.attempts.at(-1);
  const wanted =
    pinnedAttempt && detail.attempts.some((attempt) => String(attempt.attempt) === pinnedAttempt)
      ? pinnedAttempt
      : latest && latest.output_bytes !== null
        ? String(latest.attempt)
        : undefined;
  const reuse =
    wanted !== undefined &&
    wanted === streamedAttempt &&
    taskStream !== undefined &&
    outputBox !== undefined &&
    eventsBox !== undefined;
  if (!reuse) closeTaskStream();
  const output = reuse ? outputBox! : el('pre', { id: 'output' });
  const events = reuse ? eventsBox! : el('pre', { id: 'events' });
  const outputTitle = el('h2', { id: 'output-title', text: wanted ? `output of attempt ${wanted}` : 'output' });
  section.replaceChildren(
    el(
      'div',
      { class: 'task', 'data-task-id': id, 'data-status': task.status },
      el('p', {}, el('a', { href: '#/graph', text: '← graph' }), ' · ', el('a', { href: '#/list', text: 'list' })),
      el('h1', { text: `${task.id}: ${task.title}` }),
      actions,
      facts,
      task.description ? el('p', { text: task.description }) : '',
      el('h2', { text: 'attempts' }),
      attempts,
      promptBox,
      el('h2', { text: 'events' }),
      events,
      outputTitle,
      output,
      el('h2', { text: 'log' }),
      log,
    ),
  );
  if (!reuse) {
    if (wanted) streamOutput(id, wanted);
    else output.textContent = latest ? '(no output on disk)' : '(not attempted yet)';
  }
}

/** What an agent event says, on one line (events.jsonl holds the runner's parsed view of the output). */
function eventLine(event: { at?: string; type?: string; [key: string]: unknown }): string | undefined {
  const time = typeof event.at === 'string' ? event.at.slice(11, 19) : '';
  const text = (value: unknown) =>
    String(value ?? '')
      .split('\n')[0]!
      .slice(0, 300);
  switch (event.type) {
    case 'progress':
      return `${time} progress ${event.percent !== undefined ? `${text(event.percent)}% ` : ''}${text(event.message)}`;
    case 'tool':
      return `${time} tool ${text(event.name)}: ${text(event.summary)}${event.isError ? ' (error)' : ''}`;
    case 'text':
      return `${time} says: ${text(event.text)}`;
    case 'error':
      return `${time} error: ${text(event.message)}`;
    case 'result':
      return `${time} result: ${event.ok ? 'ok' : `failed${event.reason ? `: ${text(event.reason)}` : ''}`}`;
    case 'halt':
      return `${time} halted (${text(event.kind)}): ${text(event.request)}`;
    case 'usage':
      return event.cost_usd !== undefined ? `${time} usage: ${usd(Number(event.cost_usd))}` : undefined;
    default:
      return undefined;
  }
}

/** Follow one of an attempt's files; `onText` gets each new part, after any skipped backlog. */
function follow(url: string, onStart: (skipped: number) => void, onText: (text: string) => void): EventSource {
  const stream = new EventSource(url);
  stream.addEventListener('start', (event) =>
    onStart((JSON.parse((event as MessageEvent<string>).data) as { skipped: number }).skipped),
  );
  stream.addEventListener('output', (event) =>
    onText((JSON.parse((event as MessageEvent<string>).data) as { text: string }).text),
  );
  return stream;
}

function appendScrolled(box: HTMLElement, text: string): void {
  const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
  box.append(text);
  if (atBottom) box.scrollTop = box.scrollHeight;
}

function streamOutput(id: string, attempt: string): void {
  closeTaskStream();
  const output = $('output');
  const events = $('events');
  [outputBox, eventsBox] = [output, events];
  output.textContent = '';
  events.textContent = '';
  $('output-title').textContent = `output of attempt ${attempt}`;
  streamedAttempt = attempt;
  const base = `/api/tasks/${encodeURIComponent(id)}/attempts/${attempt}`;
  let partial = '';
  let dropFirst = false;
  taskStream = [
    follow(
      `${base}/output`,
      (skipped) => (output.textContent = skipped > 0 ? `(… ${skipped} earlier bytes not shown)\n` : ''),
      (text) => appendScrolled(output, text),
    ),
    follow(
      `${base}/events`,
      (skipped) => {
        events.textContent = skipped > 0 ? '(earlier events not shown)\n' : '';
        [partial, dropFirst] = ['', skipped > 0];
      },
      (text) => {
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        if (dropFirst && lines.length > 0) {
          dropFirst = false;
          lines.shift();
        }
        const shown: string[] = [];
        for (const line of lines) {
          try {
            const said = eventLine(JSON.parse(line) as { type?: string });
            if (said !== undefined) shown.push(said);
          } catch {
            // A line cut by the backlog's start, or not JSON: skip it.
          }
        }
        if (shown.length > 0) appendScrolled(events, `${shown.join('\n')}\n`);
      },
    ),
  ];
}

// ---------- routing ----------
function route(): void {
  const hash = location.hash || '#/graph';
  const taskMatch = /^#\/task\/(.+)$/.exec(hash);
  const view = taskMatch ? 'task' : hash === '#/list' ? 'list' : 'graph';
  $('graph-view').hidden = view !== 'graph';
  $('list-view').hidden = view !== 'list';
  $('task-view').hidden = view !== 'task';
  $('nav-graph').classList.toggle('active', view === 'graph');
  $('nav-list').classList.toggle('active', view === 'list');
  if (taskMatch) {
    const id = decodeURIComponent(taskMatch[1]!);
    if (shownTask !== id) {
      closeTaskStream();
      pinnedAttempt = undefined;
    }
    shownTask = id;
    $('task-view').replaceChildren(el('p', { class: 'note', text: 'loading…' }));
    void renderTask(id);
  } else {
    shownTask = undefined;
    closeTaskStream();
  }
}

// ---------- live updates ----------
function setAll(list: TaskView[], path: string[]): void {
  tasks.clear();
  for (const task of list) tasks.set(task.id, task);
  order = list.map((task) => task.id);
  critical = new Set(path);
}

function applyEvent(message: GraphEvent): void {
  header = message.header;
  const pathChanged = [...critical].join() !== message.critical_path.join();
  if (message.full) {
    setAll(message.tasks, message.critical_path);
    buildList();
    void drawGraph();
  } else {
    critical = new Set(message.critical_path);
    for (const id of message.removed) tasks.delete(id);
    for (const task of message.changed) {
      tasks.set(task.id, task);
      const node = nodes.get(task.id);
      if (node) paintNode(node, task);
      const row = rows.get(task.id);
      if (row) paintRow(row, task);
    }
    if (pathChanged) {
      for (const [id, node] of nodes) paintNode(node, tasks.get(id)!);
      for (const [id, row] of rows) paintRow(row, tasks.get(id)!);
      markCriticalEdges();
    }
    fillFilters();
    filterList();
  }
  renderHeader();
  if (shownTask && (message.full || message.changed.some((task) => task.id === shownTask))) void renderTask(shownTask);
}

function connect(): void {
  const live = $('live');
  const events = new EventSource('/api/events');
  events.addEventListener('open', () => {
    live.dataset.state = 'live';
    live.textContent = 'live';
  });
  events.addEventListener('error', () => {
    live.dataset.state = 'down';
    live.textContent = 'reconnecting…';
  });
  let known: number | undefined;
  events.addEventListener('hello', (event) => {
    const { version } = JSON.parse((event as MessageEvent<string>).data) as { version: number };
    // A reconnection after missed changes: start again from the whole graph.
    if (known !== undefined && version !== known) void loadAll();
    known = version;
  });
  events.addEventListener('graph', (event) => {
    const message = JSON.parse((event as MessageEvent<string>).data) as GraphEvent;
    known = message.version;
    applyEvent(message);
  });
}

async function loadAll(): Promise<void> {
  const graph = await getJson<GraphPayload>('/api/graph');
  timings.graphJson = performance.now();
  header = graph.header;
  setAll(graph.tasks, graph.critical_path);
  renderHeader();
  buildList();
  timings.listRendered = performance.now();
  await drawGraph();
  $('footer').textContent =
    `${tasks.size} tasks · list in ${Math.round(timings.listRendered)} ms · graph drawn at ${Math.round(timings.graphRendered ?? 0)} ms after navigation`;
}

async function start(): Promise<void> {
  connect();
  const info = await getJson<{ actions: boolean }>('/api/info');
  actionsEnabled = info.actions;
  window.addEventListener('hashchange', route);
  for (const id of ['filter-status', 'filter-actor', 'filter-tag', 'filter-text'])
    $(id).addEventListener('input', filterList);
  $('list').addEventListener('click', (event) => {
    const row = (event.target as HTMLElement).closest('tr[data-task-id]');
    if (row) location.hash = `#/task/${encodeURIComponent(row.getAttribute('data-task-id')!)}`;
  });
  // Drag the drawing to pan it; a drag that moved is not a click on the node it ended on.
  const scroller = $('graph-scroll');
  let drag: { x: number; y: number; left: number; top: number } | undefined;
  let panned = false;
  const openNode = (target: EventTarget | null) => {
    const node = (target as Element | null)?.closest('g[data-task-id]');
    if (node) location.hash = `#/task/${encodeURIComponent(node.getAttribute('data-task-id')!)}`;
  };
  $('graph').addEventListener('click', (event) => {
    if (!panned) openNode(event.target);
  });
  $('graph').addEventListener('keydown', (event) => {
    if (event.key === 'Enter') openNode(event.target);
  });
  scroller.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    drag = { x: event.clientX, y: event.clientY, left: scroller.scrollLeft, top: scroller.scrollTop };
    panned = false;
  });
  scroller.addEventListener('pointermove', (event) => {
    if (!drag) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!panned && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!panned) scroller.setPointerCapture(event.pointerId);
    panned = true;
    scroller.classList.add('panning');
    scroller.scrollLeft = drag.left - dx;
    scroller.scrollTop = drag.top - dy;
  });
  const endDrag = () => {
    drag = undefined;
    scroller.classList.remove('panning');
  };
  scroller.addEventListener('pointerup', endDrag);
  scroller.addEventListener('pointercancel', endDrag);
  $('zoom-in').onclick = () => ((zoom = Math.min(2, zoom * 1.25)), applyZoom());
  $('zoom-out').onclick = () => ((zoom = Math.max(0.1, zoom / 1.25)), applyZoom());
  $('zoom-fit').onclick = () => {
    const width = Number(($('graph') as unknown as SVGSVGElement).dataset.width ?? 1);
    zoom = Math.min(1, $('graph-scroll').clientWidth / Math.max(1, width));
    applyZoom();
  };
  route();
  // A clock for the elapsed time only: the data itself arrives by events.
  setInterval(renderElapsed, 1000);
  await loadAll();
  document.body.dataset.loaded = 'true';
}

start().catch((error: unknown) => {
  document.body.prepend(el('p', { class: 'error', text: `wg serve: ${(error as Error).message}` }));
});
