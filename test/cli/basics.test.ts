import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempProject, type Project } from '../support/wg.js';

let project: Project;
beforeEach(async () => {
  project = await tempProject();
});
afterEach(() => project.cleanup());

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
    await project.ok(['add', 'Ship', '--id', 'ship', '--blocked-by', 'build,ghost']);
    const readyIds = async () => (await project.json<Array<{ id: string }>>(['ready'])).map((task) => task.id);
    expect(await readyIds()).toEqual(['design']);
    await project.ok(['abandon', 'design', '--reason', 'not needed']);
    expect(await readyIds()).toEqual(['build']);
    await project.ok(['claim', 'build', '--actor', 'a']);
    await project.ok(['done', 'build']);
    // `ship` also waits for a task that does not exist, so it stays blocked.
    expect(await readyIds()).toEqual([]);
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
