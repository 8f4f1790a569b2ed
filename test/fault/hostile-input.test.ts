/**
 * Hostile input: each case gives a one-line error (plus at most a hint line), a
 * non-zero exit, and leaves graph.jsonl byte for byte as it was. store.test.ts shows
 * torn and invalid lines refused by add/list/claim; here the runner refuses them too,
 * and the rest come in through whichever door they would use: a hand-written line, or
 * the add/edit flags.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tempProject, type Project } from '../support/wg.js';

let project: Project;
let outside: string;
beforeAll(() => {
  outside = mkdtempSync(join(tmpdir(), 'wg-outside-'));
  writeFileSync(join(outside, 'secret.txt'), 'not for agents\n');
});
afterAll(() => rmSync(outside, { recursive: true, force: true }));
beforeEach(async () => {
  project = await tempProject();
});
const task = (fields: object) => JSON.stringify({ kind: 'task', status: 'open', exec: 'true', ...fields });
const GOOD = `${task({ id: 'a', title: 'A' })}\n${task({ id: 'b', title: 'B', blocked_by: ['a'] })}\n`;

interface Case {
  name: string;
  /** graph.jsonl content; GOOD unless the case writes its own line. */
  graph?: string;
  setup?: (dir: string) => void;
  args: string[];
  error: RegExp;
}

const cases = (): Case[] => [
  {
    name: 'a truncated last line, to wg run',
    graph: `${GOOD}{"kind":"task","id":"c","title":"C","sta`,
    args: ['run'],
    error: /^error: graph\.jsonl:3: invalid JSON/,
  },
  {
    name: 'invalid JSON in the middle, to wg run',
    graph: `${task({ id: 'a', title: 'A' })}\n{"kind":"task",,}\n${task({ id: 'c', title: 'C' })}\n`,
    args: ['run'],
    error: /^error: graph\.jsonl:2: invalid JSON/,
  },
  {
    name: 'a 10 MB description, to wg run',
    graph: `${GOOD}${task({ id: 'big', title: 'Big', description: 'x'.repeat(10_000_000) })}\n`,
    args: ['run'],
    error: /^error: graph\.jsonl:3: task "big": description: longer than 1,000,000 characters/,
  },
  {
    name: 'a 10 MB description, to wg list',
    graph: `${GOOD}${task({ id: 'big', title: 'Big', description: 'x'.repeat(10_000_000) })}\n`,
    args: ['list'],
    error: /^error: graph\.jsonl:3: task "big": description: longer than/,
  },
  {
    name: 'an id with ../, hand-written, to wg run',
    graph: `${GOOD}${task({ id: '../escape', title: 'Escape' })}\n`,
    args: ['run'],
    error: /^error: graph\.jsonl:3: task "\.\.\/escape": .*invalid id/,
  },
  {
    name: 'an id with ../, to wg add --id',
    args: ['add', 'Escape', '--id', '../escape'],
    error: /^error: invalid id "\.\.\/escape"/,
  },
  {
    name: 'a blocker id with ../, to wg add --blocked-by',
    args: ['add', 'Escape', '--id', 'esc', '--blocked-by', '../../a'],
    error: /^error: .*invalid id "\.\.\/\.\.\/a"/,
  },
  {
    name: 'a working_dir outside, to wg edit --working-dir ../..',
    args: ['edit', 'a', '--working-dir', '../..'],
    error: /^error: working_dir \.\.\/\.\. is outside the project/,
  },
  {
    name: 'an absolute working_dir outside, to wg add',
    args: ['add', 'Elsewhere', '--working-dir', '/etc'],
    error: /^error: working_dir \/etc is outside the project/,
  },
  {
    name: 'a working_dir symlink leading outside, to wg edit',
    setup: (dir) => symlinkSync(outside, join(dir, 'out-dir')),
    args: ['edit', 'a', '--working-dir', 'out-dir'],
    error: /^error: working_dir out-dir is a symlink that leads outside the project/,
  },
  {
    name: 'a context file outside, to wg add --context-file ../secret.txt',
    args: ['add', 'Peek', '--context-file', '../secret.txt'],
    error: /^error: context file \.\.\/secret\.txt is outside the project/,
  },
  {
    name: 'a context file symlink leading outside, to wg edit',
    setup: (dir) => symlinkSync(join(outside, 'secret.txt'), join(dir, 'notes.md')),
    args: ['edit', 'a', '--context-file', 'notes.md'],
    error: /^error: context file notes\.md is a symlink that leads outside the project/,
  },
  {
    name: 'a symlink to an outside folder, then a context file through it',
    setup: (dir) => symlinkSync(outside, join(dir, 'docs')),
    args: ['edit', 'a', '--context-file', 'docs/secret.txt'],
    error: /^error: context file docs\/secret\.txt is a symlink that leads outside/,
  },
  {
    name: 'a cycle, hand-written, to wg run',
    graph: `${task({ id: 'a', title: 'A', blocked_by: ['b'] })}\n${task({ id: 'b', title: 'B', blocked_by: ['a'] })}\n${task({ id: 'c', title: 'C' })}\n`,
    args: ['run'],
    error: /^error: dependency cycle: a -> b -> a/,
  },
  {
    name: 'a cycle, to wg edit --blocked-by',
    args: ['edit', 'a', '--blocked-by', 'b'],
    error: /^error: that dependency would close a cycle: a -> b -> a/,
  },
  {
    name: 'a self-dependency, to wg add',
    args: ['add', 'Selfish', '--id', 'selfish', '--blocked-by', 'selfish'],
    error: /^error: that dependency would close a cycle: selfish -> selfish/,
  },
  {
    name: 'a self-dependency, to wg edit',
    args: ['edit', 'a', '--blocked-by', 'a'],
    error: /^error: that dependency would close a cycle: a -> a/,
  },
];

describe('hostile input', () => {
  for (const { name, graph, setup, args, error } of cases()) {
    it(`${name}: one-line error, non-zero exit, graph unchanged`, async () => {
      project.writeGraph(graph ?? GOOD);
      mkdirSync(join(project.dir, 'src'), { recursive: true });
      setup?.(project.dir);
      const before = project.graphText();
      const result = await project.wg(args);
      expect(result.exitCode, result.stdout).not.toBe(0);
      expect(result.stderr).toMatch(error);
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines.length, result.stderr).toBeLessThanOrEqual(2);
      if (lines[1] !== undefined) expect(lines[1]).toMatch(/^hint: /);
      expect(project.graphText() === before, 'graph.jsonl changed').toBe(true);
    });
  }
});
