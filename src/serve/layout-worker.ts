/** Worker thread: lays out one graph with ELK's layered algorithm and posts the result back. */
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type { ELK as ElkInstance, ELKConstructorArguments, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import type { Layout, LayoutInput } from './layout.js';

/**
 * Options chosen for big graphs: one sweep of crossing minimisation and simple node
 * placement lay out 1,000 tasks in about 5 s here; the defaults take 6-7 s, and dagre
 * (tried first) 30-60 s on the same graph because of its many long edges.
 */
const OPTIONS = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.layered.thoroughness': '1',
  'elk.layered.crossingMinimization.strategy': 'LAYER_SWEEP',
  'elk.layered.nodePlacement.strategy': 'SIMPLE',
  'elk.edgeRouting': 'POLYLINE',
  'elk.spacing.nodeNode': '10',
  'elk.layered.spacing.nodeNodeBetweenLayers': '40',
  'elk.padding': '[top=8,left=8,bottom=8,right=8]',
};

/** elkjs is CommonJS whose types describe an ES default export: load it as what it is. */
const ELK = createRequire(import.meta.url)('elkjs/lib/elk.bundled.js') as new (
  args?: ELKConstructorArguments,
) => ElkInstance;

async function main(): Promise<void> {
  const input = workerData as LayoutInput;
  const started = Date.now();
  const ids = new Set(input.nodes.map((node) => node.id));
  const edges = input.edges.filter((edge) => edge.from !== edge.to && ids.has(edge.from) && ids.has(edge.to));
  const elk = new ELK();
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: OPTIONS,
    children: input.nodes.map((node) => ({ id: node.id, width: node.width, height: node.height })),
    edges: edges.map((edge, i): ElkExtendedEdge => ({ id: `e${i}`, sources: [edge.from], targets: [edge.to] })),
  };
  const result = await elk.layout(graph);
  const layout: Layout = {
    width: Math.ceil(result.width ?? 0),
    height: Math.ceil(result.height ?? 0),
    nodes: {},
    edges: [],
    ms: 0,
  };
  for (const node of result.children ?? []) {
    const [width, height] = [node.width ?? 0, node.height ?? 0];
    layout.nodes[node.id] = {
      x: Math.round((node.x ?? 0) + width / 2),
      y: Math.round((node.y ?? 0) + height / 2),
      width,
      height,
    };
  }
  (result.edges ?? []).forEach((edge, i) => {
    const points: Array<[number, number]> = [];
    for (const section of edge.sections ?? []) {
      for (const point of [section.startPoint, ...(section.bendPoints ?? []), section.endPoint])
        points.push([Math.round(point.x), Math.round(point.y)]);
    }
    layout.edges.push({ from: edges[i]!.from, to: edges[i]!.to, points });
  });
  layout.ms = Date.now() - started;
  parentPort!.postMessage(layout);
}

void main();
