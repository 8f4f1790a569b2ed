/**
 * The drawn graph: the server's layout (/api/layout) as SVG, one node per task kept by id
 * and patched in place, the critical path marked, and the drawing's pan (drag) and zoom.
 * A node opens its task on a click or on Enter; a drag that moved is not a click.
 */
import { fetchLayout, type TaskView } from '../api.js';
import { $, svg } from '../dom.js';
import { EMPTY, type State } from '../state.js';
import { timings } from '../timings.js';

export function mount(root: HTMLElement, open: (id: string) => void) {
  const drawing = $<SVGSVGElement>('graph', root);
  const scroller = $('graph-scroll', root);
  const note = $('layout-note', root);
  const nodes = new Map<string, SVGGElement>();
  /** The state the nodes show; and the latest one, which a layout that arrives late draws. */
  let painted: State | undefined;
  let latest: State = EMPTY;
  let layoutVersion = 0;
  let zoom = 1;

  const paint = (g: SVGGElement, task: TaskView, critical: ReadonlySet<string>) => {
    g.setAttribute('data-status', task.status);
    g.setAttribute('data-display', task.display);
    g.classList.toggle('critical', critical.has(task.id));
    const title = g.querySelector('title');
    if (title)
      title.textContent = `${task.id}: ${task.title} (${task.display}${task.assigned ? `, ${task.assigned}` : ''})`;
    const label = g.querySelector('text.status');
    if (label) label.textContent = `${task.display}${task.assigned ? ` · ${task.assigned}` : ''}`;
  };

  const markCriticalEdges = (critical: ReadonlySet<string>) => {
    const path = [...critical];
    const pairs = new Set(path.slice(1).map((id, i) => `${path[i]}>${id}`));
    for (const edge of drawing.querySelectorAll<SVGPathElement>('path.edge'))
      edge.classList.toggle('critical', pairs.has(`${edge.dataset.from}>${edge.dataset.to}`));
  };

  const applyZoom = () => {
    const width = Number(drawing.dataset.width ?? 0);
    const height = Number(drawing.dataset.height ?? 0);
    drawing.setAttribute('viewBox', `0 0 ${width} ${height}`);
    drawing.setAttribute('width', String(Math.max(1, width * zoom)));
    drawing.setAttribute('height', String(Math.max(1, height * zoom)));
  };

  /** Lay the graph out again (a task or an edge came or went) and draw it whole. */
  const draw = async (): Promise<void> => {
    const version = ++layoutVersion;
    note.textContent = `laying out ${latest.tasks.size} tasks…`;
    const started = performance.now();
    const layout = await fetchLayout();
    if (version !== layoutVersion) return;
    timings.layoutReceived = performance.now();
    const state = latest;
    const edges = svg('g');
    const group = svg('g');
    nodes.clear();
    for (const edge of layout.edges) {
      const d = edge.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x},${y}`).join('');
      edges.append(
        svg('path', { d, class: 'edge', 'marker-end': 'url(#arrow)', 'data-from': edge.from, 'data-to': edge.to }),
      );
    }
    for (const id of state.order) {
      const box = layout.nodes[id];
      const task = state.tasks.get(id);
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
      g.append(name, svg('text', { x: 10, y: 27, class: 'status' }));
      paint(g, task, state.critical);
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
    drawing.replaceChildren(defs, edges, group);
    drawing.dataset.width = String(layout.width);
    drawing.dataset.height = String(layout.height);
    applyZoom();
    markCriticalEdges(state.critical);
    painted = state;
    timings.graphRendered = performance.now();
    note.textContent = `${state.tasks.size} tasks; layout ${layout.ms} ms on the server, drawn in ${Math.round(performance.now() - started)} ms`;
    drawing.dataset.ready = String(version);
  };

  /** Only the nodes whose task or critical mark changed since `before`. */
  const patch = (before: State, state: State) => {
    const pathChanged = state.critical !== before.critical;
    for (const [id, g] of nodes) {
      const task = state.tasks.get(id);
      if (task && (pathChanged || task !== before.tasks.get(id))) paint(g, task, state.critical);
    }
    if (pathChanged) markCriticalEdges(state.critical);
  };

  const openNode = (target: EventTarget | null) => {
    const node = (target as Element | null)?.closest('g[data-task-id]');
    if (node) open(node.getAttribute('data-task-id')!);
  };
  // Drag the drawing to pan it; a drag that moved is not a click on the node it ended on.
  let drag: { x: number; y: number; left: number; top: number } | undefined;
  let panned = false;
  drawing.addEventListener('click', (event) => {
    if (!panned) openNode(event.target);
  });
  drawing.addEventListener('keydown', (event) => {
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
  $('zoom-in', root).onclick = () => ((zoom = Math.min(2, zoom * 1.25)), applyZoom());
  $('zoom-out', root).onclick = () => ((zoom = Math.max(0.1, zoom / 1.25)), applyZoom());
  $('zoom-fit', root).onclick = () => {
    zoom = Math.min(1, scroller.clientWidth / Math.max(1, Number(drawing.dataset.width ?? 1)));
    applyZoom();
  };

  return {
    /** Resolves once a new set of tasks is drawn (at once for a patch). */
    update(state: State): Promise<void> {
      const before = latest;
      latest = state;
      if (state.order !== before.order) return draw();
      if (painted) patch(painted, state);
      painted = state;
      return Promise.resolve();
    },
  };
}
