import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempProject, type Project } from '../support/wg.js';

let project: Project;
beforeEach(async () => {
  project = await tempProject();
});
describe('wg add / list / ready', () => {
  it('derives ids from titles as upstream does, with -2 on collision', async () => {
    await project.ok(['add', 'Build the HTTP API now!']);
    await project.ok(['add', 'Build the HTTP API again']);
    const tasks = await project.json<Array<{ id: string }>>(['list']);
    expect(tasks.map((task) => task.id)).toEqual(['build-the-http', 'build-the-http-2']);
  });

  it('only lists tasks whose blockers are done or abandoned as ready', async () => {
    await project.ok(['add', 'Design', '--id', 'design']);
    await project.ok(['add', 'Build', '--id', 'build', '--blocked-by', 'design']);
    await project.ok(['add', 'Ship', '--id', 'ship', '--blocked-by', 'build,ghost', '--allow-phantom']);
    const readyIds = async () => (await project.json<Array<{ id: string }>>(['ready'])).map((task) => task.id);
    expect(await readyIds()).toEqual(['design']);
    await project.ok(['abandon', 'design', '--reason', 'not needed']);
    expect(await readyIds()).toEqual(['build']);
    await project.ok(['claim', 'build', '--actor', 'a']);
    await project.ok(['done', 'build']);
    // `ship` also waits for a task that does not exist, so it stays blocked.
    expect(await readyIds()).toEqual([]);
  });

  it('answers wg ready from its cache only for the exact file it was computed from', async () => {
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const past = new Date(Date.now() - 86_400_000).toISOString();
    project.writeGraph(
      [
        { kind: 'task', id: 'a', title: 'A', status: 'open' },
        { kind: 'task', id: 'b', title: 'B', status: 'open', blocked_by: ['a'] },
        { kind: 'task', id: 'later', title: 'Later', status: 'open', not_before: future },
        { kind: 'task', id: 'earlier', title: 'Earlier', status: 'open', not_before: past },
      ]
        .map((record) => JSON.stringify(record))
        .join('\n') + '\n',
    );
    const readyIds = async () => (await project.json<Array<{ id: string }>>(['ready'])).map((task) => task.id);
    expect(await readyIds()).toEqual(['a', 'earlier']);
    const cachePath = join(project.dir, '.workgraph', 'cache', 'ready.json');
    const entry = JSON.parse(readFileSync(cachePath, 'utf8'));
    // The cache holds readiness but for not_before; the clock is applied on every read.
    expect(entry.value.map((task: { id: string }) => task.id)).toEqual(['a', 'later', 'earlier']);
    expect(await readyIds()).toEqual(['a', 'earlier']);

    // A change through wg, and a hand edit in place, each make a new file identity.
    await project.ok(['claim', 'a', '--actor', 'x']);
    await project.ok(['done', 'a']);
    expect(await readyIds()).toEqual(['b', 'earlier']);
    writeFileSync(
      project.graphPath,
      project
        .graphText()
        .replace(
          '"id":"earlier","title":"Earlier","status":"open"',
          '"id":"earlier","title":"Earlier","status":"done"',
        ),
    );
    expect(await readyIds()).toEqual(['b']);

    // A broken file is an error even though the cache has an answer for an older one.
    writeFileSync(project.graphPath, `${project.graphText()}{"kind":"task",\n`);
    const broken = await project.wg(['ready']);
    expect(broken.exitCode).not.toBe(0);
    expect(broken.stderr).toMatch(/^error: graph\.jsonl:5: invalid JSON/);
  });

  it('refuses a dependency that closes a cycle, printing it, and leaves the file unchanged', async () => {
    await project.ok(['add', 'A', '--id', 'a']);
    await project.ok(['add', 'B', '--id', 'b', '--blocked-by', 'a']);
    const before = project.graphText();
    const result = await project.wg(['edit', 'a', '--blocked-by', 'b']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('a -> b -> a');
    expect(result.stderr.trim().split('\n')[0]).toMatch(/^error: /);
    expect(project.graphText()).toBe(before);
  });
});
