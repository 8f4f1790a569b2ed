import { describe, expect, it } from 'vitest';
import { acyclicView, stronglyConnected, subgraph } from '../../src/graph/topology.js';

const edges = (blockers: Record<string, string[]>) => subgraph(Object.keys(blockers), (id) => blockers[id] ?? []);

describe('subgraph', () => {
  it('keeps only edges between listed ids, without self-edges', () => {
    const sub = edges({ a: ['ghost', 'a'], b: ['a'], c: ['a', 'b'] });
    expect(sub.blockers).toEqual([[], [0], [0, 1]]);
    expect(sub.dependents).toEqual([[1, 2], [2], []]);
  });
});

describe('stronglyConnected', () => {
  it('groups the members of each cycle and leaves the rest alone', () => {
    const sub = edges({ a: [], b: ['a', 'c'], c: ['b'], d: ['c', 'e'], e: ['f'], f: ['d'] });
    const { component, sizes } = stronglyConnected(sub);
    expect(component[1]).toBe(component[2]);
    expect(component[3]).toBe(component[4]);
    expect(component[4]).toBe(component[5]);
    expect(component[0]).not.toBe(component[1]);
    expect(component[1]).not.toBe(component[3]);
    expect([...sizes].sort()).toEqual([1, 2, 3]);
  });

  it('walks a 100k-long cycle with no recursion', () => {
    const blockers: Record<string, string[]> = {};
    for (let i = 0; i < 100_000; i++) blockers[`n${i}`] = i === 0 ? [`n${99_999}`] : [`n${i - 1}`];
    // One cycle through every node: the deepest walk there is.
    expect(stronglyConnected(edges(blockers)).sizes).toEqual([100_000]);
  });
});

describe('acyclicView', () => {
  it('orders blockers before dependents and ignores only the edges inside cycles', () => {
    const sub = edges({ z: ['y'], y: ['x'], x: [], p: ['q', 'x'], q: ['p'] });
    const view = acyclicView(sub);
    const at = (id: string) => view.order.indexOf(sub.position.get(id)!);
    expect(view.order).toHaveLength(5);
    expect(at('x')).toBeLessThan(at('y'));
    expect(at('y')).toBeLessThan(at('z'));
    expect(at('x')).toBeLessThan(at('p'));
    expect([...view.inCycle]).toEqual([0, 0, 0, 1, 1]);
    const p = sub.position.get('p')!;
    const q = sub.position.get('q')!;
    expect(view.counts(q, p)).toBe(false);
    expect(view.counts(sub.position.get('x')!, p)).toBe(true);
  });
});
