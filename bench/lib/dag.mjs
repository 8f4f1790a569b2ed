/**
 * The runnable DAG the runner benchmarks share: N tasks in layers of `width`, each task
 * after the first layer depending on 1-3 tasks of earlier layers (mostly the previous
 * one, so the graph is deep as well as wide). The same DAG is written three ways: a
 * wg project whose tasks `exec` the command, a Makefile, and plain JSON for the
 * bare Node floor. Deterministic for a given N (seeded PRNG).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prng } from './prng.mjs';

/** [{ id, deps }] in a topological order. */
export function layeredDag(count, { width = 50, seed = 7 } = {}) {
  const random = prng(seed + count);
  const tasks = [];
  for (let i = 0; i < count; i++) {
    const layer = Math.floor(i / width);
    const deps = new Set();
    if (layer > 0) {
      const want = 1 + Math.floor(random() * 3);
      for (let d = 0; d < want; d++) {
        // Three in four from the previous layer, the rest from anywhere earlier.
        const from =
          random() < 0.75 ? (layer - 1) * width + Math.floor(random() * width) : Math.floor(random() * layer * width);
        deps.add(`t${from}`);
      }
    }
    tasks.push({ id: `t${i}`, deps: [...deps] });
  }
  return tasks;
}

/** `<dir>/.workgraph/` with one open task per DAG node running `command` through the shell backend. */
export function writeWgProject(dir, dag, command = 'true') {
  mkdirSync(join(dir, '.workgraph'), { recursive: true });
  const lines = dag.map(({ id, deps }) =>
    JSON.stringify({
      kind: 'task',
      id,
      title: `Task ${id}`,
      status: 'open',
      exec: command,
      ...(deps.length ? { blocked_by: deps } : {}),
    }),
  );
  writeFileSync(join(dir, '.workgraph', 'graph.jsonl'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, '.workgraph', 'config.toml'), '[defaults]\nmax_retries = 0\n');
}

/** A Makefile with one phony target per node; `all` depends on every node. */
export function writeMakefile(path, dag, command = 'true') {
  const rules = dag.map(({ id, deps }) => `${id}:${deps.map((d) => ` ${d}`).join('')}\n\t@${command}\n`);
  writeFileSync(
    path,
    `.PHONY: all ${dag.map((t) => t.id).join(' ')}\nall: ${dag.map((t) => t.id).join(' ')}\n${rules.join('')}`,
  );
}
