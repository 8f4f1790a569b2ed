import { beforeEach, describe, expect, it } from 'vitest';
import { tempProject, type Project } from '../support/wg.js';

let project: Project;
beforeEach(async () => {
  project = await tempProject();
});
const line = (record: Record<string, unknown>) =>
  JSON.stringify({ kind: 'task', title: String(record.id).toUpperCase(), status: 'open', ...record });

/** design (3h) <- build (5h) <- test (1h) <- ship (1h), and ship also waits for docs (0.5h) <- design. */
async function addProject(): Promise<void> {
  await project.ok(['add', 'Design', '--id', 'design', '--hours', '3']);
  await project.ok(['add', 'Build', '--id', 'build', '--blocked-by', 'design', '--hours', '5']);
  await project.ok(['add', 'Docs', '--id', 'docs', '--blocked-by', 'design', '--hours', '0.5']);
  await project.ok(['add', 'Test', '--id', 'test', '--blocked-by', 'build']);
  await project.ok(['add', 'Ship', '--id', 'ship', '--blocked-by', 'test,docs']);
}

describe('wg impact / critical-path / bottlenecks', () => {
  it('answers all three from the same graph, as JSON and as tables', async () => {
    await addProject();

    const impact = await project.json(['impact', 'design']);
    expect(impact.dependents.map((d: { id: string; depth: number }) => [d.id, d.depth])).toEqual([
      ['build', 1],
      ['docs', 1],
      ['test', 2],
      // Also three steps away through build and test, but docs is the shorter way.
      ['ship', 2],
    ]);
    expect(impact.hoursAtStake).toBe(7.5);
    const impactText = await project.ok(['impact', 'design']);
    expect(impactText).toMatch(/^1 +build +blocked +5h +Build$/m);
    expect(impactText).toContain('4 tasks wait for design; 7.5h of unfinished work at stake');

    const path = await project.json(['critical-path']);
    expect(path.tasks.map((step: { id: string }) => step.id)).toEqual(['design', 'build', 'test', 'ship']);
    expect(path.totalHours).toBe(10);
    expect(await project.ok(['critical-path'])).toMatch(/total: 10h over 4 tasks/);

    const ranked = await project.json(['bottlenecks', '--limit', '2']);
    expect(ranked.map((b: { id: string; waiting: number }) => [b.id, b.waiting])).toEqual([
      ['design', 4],
      ['build', 2],
    ]);
    expect(await project.ok(['bottlenecks'])).toMatch(/^docs +blocked +1 +1 +Docs$/m);
  });

  it('drops finished work from the critical path and bottlenecks', async () => {
    await addProject();
    await project.ok(['claim', 'design', '--actor', 'a']);
    await project.ok(['done', 'design']);
    const path = await project.json(['critical-path']);
    expect(path.tasks.map((step: { id: string }) => step.id)).toEqual(['build', 'test', 'ship']);
    const ranked = await project.json(['bottlenecks']);
    expect(ranked.map((b: { id: string }) => b.id)).not.toContain('design');
  });

  it('rejects an unknown task and a bad limit', async () => {
    const missing = await project.wg(['impact', 'nope']);
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toMatch(/^error: no task "nope"/);
    expect((await project.wg(['bottlenecks', '--limit', '0'])).exitCode).not.toBe(0);
  });

  it('still answers on a cyclic graph, and says the cycle was ignored', async () => {
    project.writeGraph(
      [
        line({ id: 'a', blocked_by: ['b'] }),
        line({ id: 'b', blocked_by: ['a'] }),
        line({ id: 'c', blocked_by: ['b'] }),
      ].join('\n') + '\n',
    );
    const result = await project.wg(['critical-path']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('2 tasks are on dependency cycles');
    expect((await project.json(['critical-path'])).tasksOnCycles).toBe(2);
  });
});

describe('wg graph', () => {
  it('prints layers by default and DOT, Mermaid or JSON on request', async () => {
    await addProject();
    const text = await project.ok(['graph']);
    expect(text).toMatch(/layer 1\n {2}\[ \] design +open +Design/);
    expect(text).toMatch(/layer 4\n {2}\[#\] ship +blocked +Ship +<- test, docs/);

    const dot = await project.ok(['graph', '--format', 'dot']);
    expect(dot).toMatch(/^digraph workgraph \{/);
    expect(dot).toContain('"design" -> "build";');
    expect(dot).toContain('"docs" -> "ship";');

    const mermaid = await project.ok(['graph', '--format', 'mermaid']);
    expect(mermaid.split('\n')[0]).toBe('flowchart TD');
    expect(mermaid).toContain('t0["design<br/>Design<br/>open"]');

    const view = JSON.parse(await project.ok(['graph', '--format', 'json']));
    expect(view.nodes).toHaveLength(5);
    expect(view.edges).toContainEqual({ from: 'test', to: 'ship', inCycle: false });
  });

  it('filters by status and rejects unknown ones', async () => {
    await addProject();
    await project.ok(['claim', 'design', '--actor', 'a']);
    const view = JSON.parse(await project.ok(['graph', '--format', 'json', '--status', 'in-progress,blocked']));
    expect(view.nodes.map((node: { id: string }) => node.id).sort()).toEqual([
      'build',
      'design',
      'docs',
      'ship',
      'test',
    ]);
    const onlyBlocked = JSON.parse(await project.ok(['graph', '--format', 'json', '--status', 'blocked']));
    expect(onlyBlocked.nodes.map((node: { id: string }) => node.id)).not.toContain('design');
    const bad = await project.wg(['graph', '--status', 'sleeping']);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toContain('unknown status sleeping');
  });
});

describe('wg check', () => {
  it('says the graph is OK and exits 0 when it is', async () => {
    await addProject();
    const result = await project.wg(['check']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe('graph OK: 5 tasks, 0 actors');
    expect(await project.json(['check'])).toEqual({ ok: true, problems: [] });
  });

  it('lists every problem, parse errors included, and exits 1', async () => {
    project.writeGraph(
      [
        line({ id: 'a', blocked_by: ['b'] }),
        '{not json',
        line({ id: 'b', blocked_by: ['a'] }),
        line({ id: 'c', status: 'sleeping' }),
        line({ id: 'a' }),
        line({ id: 'd', blocked_by: ['ghost'], requires: ['gpu'] }),
      ].join('\n') + '\n',
    );
    // Every other command refuses the broken file; check must still read it.
    expect((await project.wg(['list'])).exitCode).not.toBe(0);
    const result = await project.wg(['check']);
    expect(result.exitCode).toBe(1);
    const errors = result.stdout.split('\n').filter((text) => text.startsWith('error: '));
    expect(errors).toHaveLength(6);
    expect(result.stdout).toContain('error: graph.jsonl:2: invalid JSON');
    expect(result.stdout).toContain('error: graph.jsonl:5: duplicate task id "a" (first on line 1)');
    expect(result.stdout).toContain('a -> b -> a');
    expect(result.stdout).toContain('task d: blocked_by names "ghost"');
    expect(result.stdout).toContain('task d: requires "gpu"');

    const json = await project.wg(['check', '--json']);
    expect(json.exitCode).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p: { kind: string; line?: number }) => [p.kind, p.line])).toEqual([
      ['line', 2],
      ['line', 4],
      ['line', 5],
      ['cycle', undefined],
      ['missing-task', undefined],
      ['missing-resource', undefined],
    ]);
  });

  it('passes with warnings unless --strict', async () => {
    project.writeGraph(
      [
        JSON.stringify({ kind: 'actor', id: 'alice' }),
        line({ id: 'a', assigned: 'bob' }),
        line({ id: 'b', status: 'in-progress' }),
      ].join('\n') + '\n',
    );
    const result = await project.wg(['check']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('warning: task a: assigned to "bob", who is not a defined actor');
    expect(result.stdout).toContain('warning: task b: in-progress, but nobody is assigned');
    expect(result.stdout.trim().split('\n').at(-1)).toBe('graph OK: 2 tasks, 1 actor, 2 warnings');
    expect((await project.wg(['check', '--strict'])).exitCode).toBe(1);
  });

  it('documents its rules and an example in --help', async () => {
    const help = await project.ok(['check', '--help']);
    expect(help).toContain('only once actors are defined');
    expect(help).toMatch(/Examples?:\n {2}wg check/);
  });
});
