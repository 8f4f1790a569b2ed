import { describe, expect, it } from 'vitest';
import { graphView, renderDot, renderMermaid, renderText } from '../../src/graph/render.js';
import { graphOf } from '../support/graph.js';

const project = () =>
  graphOf([
    { id: 'design', status: 'done', title: 'Design the "API"' },
    { id: 'build', blocked_by: ['design'], status: 'in-progress' },
    { id: 'test', blocked_by: ['build'] },
    { id: 'ship', blocked_by: ['test', 'ghost'] },
    { id: 'end', title: 'A <b>#1</b> task' },
  ]);

describe('graphView', () => {
  it('places tasks in layers after their blockers, with missing blockers as nodes', () => {
    const view = graphView(project());
    expect(view.nodes.map((node) => [node.id, node.layer, node.status])).toEqual([
      ['design', 0, 'done'],
      ['end', 0, 'open'],
      ['ghost', 0, 'missing'],
      ['build', 1, 'in-progress'],
      ['test', 2, 'blocked'],
      ['ship', 3, 'blocked'],
    ]);
    expect(view.edges).toContainEqual({ from: 'ghost', to: 'ship', inCycle: false });
    expect(view.edges).toHaveLength(4);
  });

  it('filters by shown status, where open also matches blocked tasks', () => {
    const view = graphView(project(), new Set(['open']));
    // With build hidden, test waits for nothing shown, so it moves up to the first layer.
    expect(view.nodes.map((node) => [node.id, node.layer])).toEqual([
      ['test', 0],
      ['end', 0],
      ['ghost', 0],
      ['ship', 1],
    ]);
    expect(view.edges.map((edge) => `${edge.from}->${edge.to}`)).toEqual(['test->ship', 'ghost->ship']);
    expect(view.nodes.find((node) => node.id === 'test')!.blockers).toEqual(['build']);
  });

  it('marks cycles instead of looping', () => {
    const view = graphView(
      graphOf([
        { id: 'a', blocked_by: ['b'] },
        { id: 'b', blocked_by: ['a'] },
      ]),
    );
    expect(view.nodes.every((node) => node.inCycle && node.layer === 0)).toBe(true);
    expect(view.edges.every((edge) => edge.inCycle)).toBe(true);
  });
});

describe('renderText', () => {
  it('prints one section per layer with markers, status and blockers', () => {
    const text = renderText(graphView(project()));
    const lines = text.split('\n');
    expect(lines[0]).toBe('layer 1');
    expect(lines).toContain('  [x] design  done         Design the "API"');
    expect(text).toMatch(/\[>\] build +in-progress +BUILD +<- design/);
    expect(text).toMatch(/layer 4\n {2}\[#\] ship +blocked +SHIP +<- test, ghost/);
    expect(text).toMatch(/\[\?\] ghost +missing +\(no such task\)/);
    expect(lines.at(-1)).toContain('[x] done');
    expect(lines.at(-1)).not.toContain('failed');
  });

  it('says so when there is nothing to draw', () => {
    expect(renderText(graphView(graphOf([])))).toBe('No tasks.');
  });
});

describe('renderDot', () => {
  it('draws blocker -> dependent edges and coloured, escaped labels', () => {
    const dot = renderDot(graphView(project()));
    expect(dot.startsWith('digraph workgraph {')).toBe(true);
    expect(dot.trimEnd().endsWith('}')).toBe(true);
    expect(dot).toContain('"design" -> "build";');
    expect(dot).toContain('"design" [label="design\\nDesign the \\"API\\"\\ndone", fillcolor="#d1e7dd"');
    expect(dot).toMatch(/"ghost" \[label="ghost\\nmissing".*dashed/);
  });

  it('highlights edges on a cycle', () => {
    const dot = renderDot(
      graphView(
        graphOf([
          { id: 'a', blocked_by: ['b'] },
          { id: 'b', blocked_by: ['a'] },
        ]),
      ),
    );
    expect(dot).toContain('"b" -> "a" [color="#dc3545", penwidth=2];');
  });
});

describe('renderMermaid', () => {
  it('uses generated node names, escapes labels and assigns status classes', () => {
    const mermaid = renderMermaid(graphView(project()));
    const lines = mermaid.split('\n');
    expect(lines[0]).toBe('flowchart TD');
    // `end` is a Mermaid keyword, so it must never appear as a node name.
    expect(lines).toContain('  t1["end<br/>A #60;b#62;#35;1#60;/b#62; task<br/>open"]');
    expect(lines).toContain('  t0["design<br/>Design the #34;API#34;<br/>done"]');
    expect(lines).toContain('  t0 --> t3');
    expect(lines).toContain('  classDef in_progress fill:#9ec5fe,stroke:#084298');
    expect(lines).toContain('  class t4,t5 blocked');
  });
});
