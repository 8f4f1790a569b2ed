/**
 * The graph as text for people and tools: a layered plain-text view, Graphviz DOT and a
 * Mermaid flowchart. Pure: callers print the result. Edges point from a blocker to the
 * task that waits for it, the direction work flows.
 */
import { dependencyIndex, displayStatus, type DisplayStatus } from './deps.js';
import type { Graph } from './model.js';
import { acyclicView, subgraph } from './topology.js';

/** `missing` marks an id some task waits for but no task has. */
export type NodeStatus = DisplayStatus | 'missing';

export interface ViewNode {
  id: string;
  title: string;
  status: NodeStatus;
  /** 0 for tasks that wait for nothing shown; otherwise one more than their deepest blocker. */
  layer: number;
  inCycle: boolean;
  /** Every blocker, including ones the status filter hides. */
  blockers: string[];
}

export interface ViewEdge {
  from: string;
  to: string;
  inCycle: boolean;
}

export interface GraphView {
  nodes: ViewNode[];
  edges: ViewEdge[];
}

/**
 * The tasks to draw, ordered by layer then file order. With `statuses`, only tasks whose
 * shown status is listed (`open` also matches blocked tasks, as in `wg list`); missing
 * blockers of the drawn tasks are drawn too, since they are why those tasks wait.
 */
export function graphView(graph: Graph, statuses?: ReadonlySet<string>): GraphView {
  const index = dependencyIndex(graph);
  const nodes: Array<Omit<ViewNode, 'layer' | 'inCycle'>> = [];
  const ghosts = new Set<string>();
  for (const task of graph.tasks.values()) {
    const status = displayStatus(graph, index, task);
    if (statuses && !statuses.has(status) && !(statuses.has('open') && task.status === 'open')) continue;
    const blockers = [...index.blockersOf(task.id)];
    nodes.push({ id: task.id, title: task.title, status, blockers });
    for (const blocker of blockers) if (!graph.tasks.has(blocker)) ghosts.add(blocker);
  }
  for (const id of ghosts) nodes.push({ id, title: '', status: 'missing', blockers: [] });

  const sub = subgraph(
    nodes.map((node) => node.id),
    index.blockersOf,
  );
  const view = acyclicView(sub);
  const layer = new Int32Array(nodes.length);
  const edges: ViewEdge[] = [];
  for (const node of view.order) {
    for (const blocker of sub.blockers[node]!) {
      if (view.counts(blocker, node)) layer[node] = Math.max(layer[node]!, layer[blocker]! + 1);
    }
  }
  nodes.forEach((node, at) => {
    for (const blocker of sub.blockers[at]!)
      edges.push({ from: sub.ids[blocker]!, to: node.id, inCycle: !view.counts(blocker, at) });
  });
  const placed = nodes.map((node, at) => ({ ...node, layer: layer[at]!, inCycle: view.inCycle[at] === 1, at }));
  placed.sort((a, b) => a.layer - b.layer || a.at - b.at);
  return { nodes: placed.map(({ at: _at, ...node }) => node), edges };
}

const MARKERS: Record<NodeStatus, string> = {
  open: '[ ]',
  blocked: '[#]',
  'in-progress': '[>]',
  'pending-review': '[R]',
  done: '[x]',
  failed: '[!]',
  abandoned: '[-]',
  waiting: '[~]',
  'pending-validation': '[V]',
  'pending-eval': '[E]',
  'failed-pending-eval': '[e]',
  incomplete: '[.]',
  missing: '[?]',
};

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 3)}...`;
}

/** Layer by layer: everything in a layer can run once the layers above it are finished. */
export function renderText(view: GraphView): string {
  if (view.nodes.length === 0) return 'No tasks.';
  const idWidth = Math.max(...view.nodes.map((node) => node.id.length));
  const statusWidth = Math.max(...view.nodes.map((node) => node.status.length));
  const titleOf = (node: ViewNode) => (node.status === 'missing' ? '(no such task)' : clip(node.title, 60));
  const titleWidth = Math.max(...view.nodes.map((node) => titleOf(node).length));
  const lines: string[] = [];
  let layer = -1;
  for (const node of view.nodes) {
    if (node.layer !== layer) {
      layer = node.layer;
      lines.push(`${lines.length > 0 ? '\n' : ''}layer ${layer + 1}`);
    }
    const title = titleOf(node).padEnd(titleWidth);
    const after = node.blockers.length > 0 ? `  <- ${node.blockers.join(', ')}` : '';
    const cycle = node.inCycle ? '  (on a cycle)' : '';
    lines.push(
      `  ${MARKERS[node.status]} ${node.id.padEnd(idWidth)}  ${node.status.padEnd(statusWidth)}  ${title}${after}${cycle}`.trimEnd(),
    );
  }
  const used = new Set(view.nodes.map((node) => node.status));
  const legend = (Object.keys(MARKERS) as NodeStatus[])
    .filter((status) => used.has(status))
    .map((status) => `${MARKERS[status]} ${status}`);
  lines.push('', `${legend.join('  ')}   ("<- a, b": waits for a and b)`);
  return lines.join('\n');
}

/** Fill and outline colours per status, shared by DOT and Mermaid. */
const COLORS: Record<NodeStatus, { fill: string; stroke: string }> = {
  open: { fill: '#cfe2ff', stroke: '#0d6efd' },
  blocked: { fill: '#fff3cd', stroke: '#b58105' },
  'in-progress': { fill: '#9ec5fe', stroke: '#084298' },
  'pending-review': { fill: '#e2d9f3', stroke: '#6f42c1' },
  done: { fill: '#d1e7dd', stroke: '#198754' },
  failed: { fill: '#f8d7da', stroke: '#dc3545' },
  abandoned: { fill: '#e9ecef', stroke: '#6c757d' },
  waiting: { fill: '#fff3cd', stroke: '#6c757d' },
  'pending-validation': { fill: '#e2d9f3', stroke: '#6f42c1' },
  'pending-eval': { fill: '#e2d9f3', stroke: '#6f42c1' },
  'failed-pending-eval': { fill: '#f8d7da', stroke: '#6f42c1' },
  incomplete: { fill: '#fff3cd', stroke: '#dc3545' },
  missing: { fill: '#ffffff', stroke: '#dc3545' },
};

function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

export function renderDot(view: GraphView): string {
  const lines = [
    'digraph workgraph {',
    '  rankdir=TB;',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica"];',
  ];
  for (const node of view.nodes) {
    const { fill, stroke } = COLORS[node.status];
    const label = [node.id, node.title && node.title !== node.id ? clip(node.title, 40) : '', node.status]
      .filter(Boolean)
      .join('\n');
    const style = node.status === 'missing' ? ', style="rounded,dashed"' : '';
    lines.push(`  ${dotString(node.id)} [label=${dotString(label)}, fillcolor="${fill}", color="${stroke}"${style}];`);
  }
  for (const edge of view.edges) {
    lines.push(
      `  ${dotString(edge.from)} -> ${dotString(edge.to)}${edge.inCycle ? ' [color="#dc3545", penwidth=2]' : ''};`,
    );
  }
  lines.push('}');
  return lines.join('\n');
}

/** Mermaid reads `"`, `<`, `>` and `#` inside labels as syntax; its entity codes are safe. */
function mermaidText(text: string): string {
  return text.replace(/["<>#]/g, (char) => `#${char.charCodeAt(0)};`);
}

/** Class names cannot contain `-`. */
const mermaidClass = (status: NodeStatus) => status.replace(/-/g, '_');

export function renderMermaid(view: GraphView): string {
  // Task ids may be Mermaid keywords (`end`) or contain dots, so nodes get generated names.
  const name = new Map(view.nodes.map((node, at) => [node.id, `t${at}`]));
  const lines = ['flowchart TD'];
  for (const node of view.nodes) {
    const label = [node.id, node.title && node.title !== node.id ? clip(node.title, 40) : '', node.status]
      .filter(Boolean)
      .map(mermaidText)
      .join('<br/>');
    lines.push(`  ${name.get(node.id)}["${label}"]`);
  }
  for (const edge of view.edges) lines.push(`  ${name.get(edge.from)} --> ${name.get(edge.to)}`);
  const used = new Set(view.nodes.map((node) => node.status));
  for (const status of Object.keys(COLORS) as NodeStatus[]) {
    if (!used.has(status)) continue;
    const { fill, stroke } = COLORS[status];
    lines.push(
      `  classDef ${mermaidClass(status)} fill:${fill},stroke:${stroke}${status === 'missing' ? ',stroke-dasharray:4 3' : ''}`,
    );
    const members = view.nodes.filter((node) => node.status === status).map((node) => name.get(node.id));
    lines.push(`  class ${members.join(',')} ${mermaidClass(status)}`);
  }
  return lines.join('\n');
}
