import { beforeEach, describe, expect, it } from 'vitest';
import { tempProject, type Project } from '../support/wg.js';

let project: Project;
beforeEach(async () => {
  project = await tempProject();
});
describe('wg actor', () => {
  it('adds actors from flags (comma lists, --cap alias), lists and shows them with their work', async () => {
    const added = await project.json([
      'actor',
      'add',
      'claude',
      '--name',
      'Claude',
      '--capability',
      'rust,sql',
      '--cap',
      'docs',
      '--context-limit',
      '200000',
      '--trust',
      'verified',
      '--backend',
      'claude',
    ]);
    expect(added).toMatchObject({
      id: 'claude',
      capabilities: ['rust', 'sql', 'docs'],
      context_limit: 200000,
      trust_level: 'verified',
      backend: 'claude',
    });
    await project.ok(['actor', 'add', 'alice', '--type', 'human']);
    expect((await project.json<Array<{ id: string }>>(['actor', 'list'])).map((actor) => actor.id)).toEqual([
      'claude',
      'alice',
    ]);
    const table = await project.ok(['actor', 'list']);
    expect(table).toMatch(/claude\s+agent\s+verified\s+rust,sql,docs\s+200000\s+claude/);
    expect(table).toMatch(/alice\s+human\s+unknown/);

    await project.ok(['add', 'Build', '--id', 'build']);
    await project.ok(['claim', 'build', '--actor', 'claude']);
    const shown = await project.json(['actor', 'show', 'claude']);
    expect(shown.assigned_tasks).toEqual([{ id: 'build', title: 'Build', status: 'in-progress' }]);
    expect(shown.leases).toMatchObject([{ task: 'build', attempt: 1 }]);
    expect(await project.ok(['actor', 'show', 'claude'])).toMatch(/leases\n\s+build\s+attempt 1 since/);
  });

  it('refuses an existing id and invalid values with a one-line error, leaving the graph unchanged', async () => {
    await project.ok(['actor', 'add', 'bot']);
    const before = project.graphText();
    for (const args of [
      ['actor', 'add', 'bot'],
      ['actor', 'add', 'other', '--trust', 'total'],
      ['actor', 'add', 'x/y'],
    ]) {
      const result = await project.wg(args);
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr.trim().split('\n')[0]).toMatch(/^error: /);
    }
    expect((await project.wg(['actor', 'add', 'bot'])).stderr).toContain('actor id "bot" is taken');
    expect(project.graphText()).toBe(before);
  });
});

describe('wg match / next', () => {
  beforeEach(async () => {
    await project.ok([
      'actor',
      'add',
      'senior',
      '--cap',
      'rust,sql',
      '--trust',
      'verified',
      '--context-limit',
      '100000',
    ]);
    await project.ok([
      'actor',
      'add',
      'junior',
      '--cap',
      'rust',
      '--trust',
      'provisional',
      '--context-limit',
      '100000',
    ]);
    await project.ok(['actor', 'add', 'writer', '--cap', 'docs', '--type', 'human']);
  });

  it('ranks actors for a task and gives the reasons of those excluded', async () => {
    await project.ok(['add', 'Build', '--id', 'build', '--skill', 'rust', '--prefer-skill', 'sql']);
    const ranking = await project.json(['match', 'build']);
    expect(ranking.qualified).toBe(true);
    expect(ranking.actors.map((a: { id: string; score?: number }) => [a.id, a.score])).toEqual([
      ['senior', 16],
      ['junior', 3],
      ['writer', undefined],
    ]);
    expect(ranking.actors[2].reasons).toEqual(['missing skill rust']);
  });

  it('exits 0 and says so, per actor, when no actor qualifies', async () => {
    await project.ok(['add', 'Port', '--id', 'port', '--skill', 'go', '--complexity', 'complex']);
    const result = await project.wg(['match', 'port']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('No actor qualifies for port.');
    expect(result.stdout).toMatch(
      /junior\s+missing skill go; complex task needs a verified actor \(trust: provisional\)/,
    );
    expect(result.stdout).toMatch(/senior\s+missing skill go\n/);
  });

  it('suggests the best ready task for an actor without claiming it, or says why there is none', async () => {
    await project.ok(['add', 'Small', '--id', 'small', '--skill', 'rust']);
    await project.ok(['add', 'Root', '--id', 'root', '--skill', 'rust']);
    await project.ok(['add', 'Later', '--id', 'later', '--blocked-by', 'root']);
    const next = await project.json(['next', '--actor', 'junior']);
    expect(next.task.id).toBe('root');
    expect(next.unblocks).toBe(1);
    expect((await project.json(['show', 'root'])).status).toBe('open');

    const none = await project.wg(['next', '--actor', 'writer']);
    expect(none.exitCode).toBe(0);
    expect(none.stdout.trim()).toBe('Nothing ready for writer: 2 ready tasks, but writer lacks skill rust.');
    expect((await project.wg(['next', '--actor', 'nobody'])).stderr).toContain('no actor "nobody"');
  });
});

describe('wg context', () => {
  it('shows what upstream produced and which inputs are available, promised or missing', async () => {
    await project.ok(['add', 'Spec', '--id', 'spec', '--deliverable', 'docs/api.md']);
    await project.ok(['add', 'Schema', '--id', 'schema', '--deliverable', 'schema.sql']);
    await project.ok([
      'add',
      'Build',
      '--id',
      'build',
      '--blocked-by',
      'spec,schema',
      '--input',
      'docs/api.md,schema.sql,key.pem',
    ]);
    await project.ok(['claim', 'spec', '--actor', 'a']);
    await project.ok(['artifact', 'spec', 'docs/api.md']);
    await project.ok(['done', 'spec']);
    const context = await project.json(['context', 'build']);
    expect(context.upstream.map((dep: { id: string; artifacts: string[] }) => [dep.id, dep.artifacts])).toEqual([
      ['spec', ['docs/api.md']],
      ['schema', []],
    ]);
    expect(context.inputs.map((input: { input: string; state: string }) => [input.input, input.state])).toEqual([
      ['docs/api.md', 'available'],
      ['schema.sql', 'promised'],
      ['key.pem', 'missing'],
    ]);
    expect(await project.ok(['context', 'build'])).toMatch(
      /key\.pem\s+missing\s+no upstream task produces or promises it/,
    );

    const consumers = await project.json(['context', 'schema', '--dependents']);
    expect(consumers.consumers).toMatchObject([{ id: 'build', consumes: ['schema.sql'], downstream: true }]);
  });

  it('documents every new command with an example', async () => {
    for (const command of [['actor', 'add'], ['actor', 'list'], ['actor', 'show'], ['match'], ['next'], ['context']]) {
      expect(await project.ok([...command, '--help'])).toMatch(/Examples?:\n {2}wg /);
    }
  });
});
