/**
 * Integer-indexed views of the dependency graph for the whole-graph analyses and views.
 * Every walk here is iterative and linear in nodes + edges: graphs reach 100k tasks, and
 * a long chain must not overflow the call stack.
 */

export interface Subgraph {
  /** Node ids; a node is its position in this list. */
  ids: readonly string[];
  position: ReadonlyMap<string, number>;
  /** blockers[node]: the nodes it waits for. */
  blockers: number[][];
  /** dependents[node]: the nodes that wait for it. */
  dependents: number[][];
}

/** The nodes `ids` and the dependencies among them; edges to ids outside the list are dropped. */
export function subgraph(ids: readonly string[], blockersOf: (id: string) => readonly string[]): Subgraph {
  const position = new Map<string, number>();
  ids.forEach((id, node) => position.set(id, node));
  const blockers = ids.map((): number[] => []);
  const dependents = ids.map((): number[] => []);
  ids.forEach((id, node) => {
    for (const blockerId of blockersOf(id)) {
      const blocker = position.get(blockerId);
      if (blocker === undefined || blocker === node) continue;
      blockers[node]!.push(blocker);
      dependents[blocker]!.push(node);
    }
  });
  return { ids, position, blockers, dependents };
}

/** Strongly connected components (Tarjan, with an explicit stack): component[node] and each component's size. */
export function stronglyConnected(sub: Subgraph): { component: Int32Array; sizes: number[] } {
  const n = sub.ids.length;
  const order = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const component = new Int32Array(n).fill(-1);
  const sizes: number[] = [];
  const stack: number[] = [];
  const callNode: number[] = [];
  const callEdge: number[] = [];
  let counter = 0;
  const enter = (node: number) => {
    order[node] = low[node] = counter++;
    stack.push(node);
    onStack[node] = 1;
    callNode.push(node);
    callEdge.push(0);
  };
  for (let root = 0; root < n; root++) {
    if (order[root] !== -1) continue;
    enter(root);
    while (callNode.length > 0) {
      const top = callNode.length - 1;
      const node = callNode[top]!;
      const edges = sub.blockers[node]!;
      if (callEdge[top]! < edges.length) {
        const next = edges[callEdge[top]!++]!;
        if (order[next] === -1) enter(next);
        else if (onStack[next]) low[node] = Math.min(low[node]!, order[next]!);
        continue;
      }
      callNode.pop();
      callEdge.pop();
      if (low[node] === order[node]) {
        let size = 0;
        let member: number;
        do {
          member = stack.pop()!;
          onStack[member] = 0;
          component[member] = sizes.length;
          size++;
        } while (member !== node);
        sizes.push(size);
      }
      const parent = callNode[callNode.length - 1];
      if (parent !== undefined) low[parent] = Math.min(low[parent]!, low[node]!);
    }
  }
  return { component, sizes };
}

export interface AcyclicView {
  /** Every node, blockers before dependents once edges inside cycles are ignored (deterministic: sources in list order, then as they free up). */
  order: number[];
  /** inCycle[node] is 1 when the node is on a dependency cycle. */
  inCycle: Uint8Array;
  /** Whether the edge blocker -> dependent counts (false for edges inside a cycle). */
  counts(blocker: number, dependent: number): boolean;
}

/**
 * A topological order that ignores exactly the edges inside cycles, so cyclic graphs
 * still get an answer (`wg check` is where cycles are reported).
 */
export function acyclicView(sub: Subgraph): AcyclicView {
  const { component, sizes } = stronglyConnected(sub);
  const n = sub.ids.length;
  const inCycle = new Uint8Array(n);
  for (let node = 0; node < n; node++) inCycle[node] = sizes[component[node]!]! > 1 ? 1 : 0;
  const counts = (blocker: number, dependent: number) => component[blocker] !== component[dependent];
  const waiting = new Int32Array(n);
  for (let node = 0; node < n; node++) {
    for (const blocker of sub.blockers[node]!) if (counts(blocker, node)) waiting[node] = waiting[node]! + 1;
  }
  const order: number[] = [];
  for (let node = 0; node < n; node++) if (waiting[node] === 0) order.push(node);
  for (let head = 0; head < order.length; head++) {
    const node = order[head]!;
    for (const dependent of sub.dependents[node]!) {
      if (!counts(node, dependent)) continue;
      waiting[dependent] = waiting[dependent]! - 1;
      if (waiting[dependent] === 0) order.push(dependent);
    }
  }
  return { order, inCycle, counts };
}
