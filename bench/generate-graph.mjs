/**
 * Writes a realistic graph.jsonl of N tasks: a layered DAG where each task depends on
 * 1-3 earlier tasks, the first ~40% done (with a short log), a few actors. Deterministic
 * for a given N (seeded PRNG), so runs are comparable.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prng } from './lib/prng.mjs';

export function generateGraph(count, { doneFraction = 0.4, seed = 42 } = {}) {
  const random = prng(seed + count);
  const lines = [];
  const at = '2026-01-01T00:00:00.000Z';
  for (const [id, capabilities] of [
    ['alice', ['rust', 'docs']],
    ['bob', ['ts', 'docs']],
    ['carol', ['rust', 'ts', 'ops']],
  ]) {
    lines.push(
      JSON.stringify({ kind: 'actor', id, name: id, capabilities, trust_level: 'verified', context_limit: 200000 }),
    );
  }
  const doneUntil = Math.floor(count * doneFraction);
  for (let i = 0; i < count; i++) {
    const id = `t${i}`;
    const task = {
      kind: 'task',
      id,
      title: `Task number ${i}`,
      status: i < doneUntil ? 'done' : 'open',
      created_at: at,
    };
    if (i > 0) {
      const deps = new Set();
      const want = 1 + Math.floor(random() * 3);
      for (let d = 0; d < want; d++) deps.add(`t${Math.floor(random() * i)}`);
      task.blocked_by = [...deps];
    }
    task.skills = [['rust', 'ts', 'docs', 'ops'][i % 4]];
    task.description = `Do step ${i} of the plan and record what you found.`;
    if (i < doneUntil) {
      task.completed_at = at;
      task.log = [
        { timestamp: at, actor: 'alice', message: 'claimed' },
        { timestamp: at, actor: 'alice', message: 'done' },
      ];
    }
    lines.push(JSON.stringify(task));
  }
  return `${lines.join('\n')}\n`;
}

/** Create `<dir>/.workgraph/graph.jsonl` with `count` tasks. */
export function writeProject(dir, count, options) {
  mkdirSync(join(dir, '.workgraph'), { recursive: true });
  writeFileSync(join(dir, '.workgraph', 'graph.jsonl'), generateGraph(count, options));
  writeFileSync(join(dir, '.workgraph', 'config.toml'), '[defaults]\nmax_retries = 2\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, count] = process.argv.slice(2);
  if (!dir || !count) {
    console.error('usage: node bench/generate-graph.mjs <dir> <tasks>');
    process.exit(2);
  }
  writeProject(dir, Number(count));
}
