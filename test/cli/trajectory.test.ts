import { beforeEach, describe, expect, it } from 'vitest';
import { tempProject, type Project } from '../support/wg.js';

let project: Project;
beforeEach(async () => {
  project = await tempProject();
  // design -> build (consumes api.md) -> docs (consumes bin/server); lint shares only a tag; ops shares nothing.
  await project.ok(['add', 'Design the API', '--id', 'design', '--deliverable', 'api.md', '--tag', 'api']);
  await project.ok([
    'add',
    'Build the server',
    '--id',
    'build',
    '--blocked-by',
    'design',
    '--input',
    'api.md',
    '--deliverable',
    'bin/server',
  ]);
  await project.ok([
    'add',
    'Write the docs',
    '--id',
    'docs',
    '--blocked-by',
    'build',
    '--input',
    'bin/server',
    '--tag',
    'api',
  ]);
  await project.ok(['add', 'Lint the spec', '--id', 'lint', '--blocked-by', 'design', '--tag', 'api']);
  await project.ok(['add', 'Rotate keys', '--id', 'ops']);
});
interface Step {
  id: string;
  receives: string[];
  produces: string[];
  score: number;
  estimatedTokens: number;
}
interface Planned {
  start: string;
  actor?: string;
  steps: Step[];
  totalTokens: number;
  stoppedBecause: string;
}

describe('wg trajectory', () => {
  it('plans a chain that follows produced inputs, as JSON and for people', async () => {
    const planned = await project.json<Planned>(['trajectory', 'design']);
    expect(planned.steps.map((step) => [step.id, step.score])).toEqual([
      ['design', 0],
      ['build', 3],
      ['docs', 4],
      ['lint', 1],
    ]);
    expect(planned.steps[1]).toMatchObject({ receives: ['api.md (from design)'], produces: ['bin/server'] });
    expect(planned.stoppedBecause).toBe('no-coherent-next-step');
    expect(planned.totalTokens).toBe(planned.steps.reduce((sum, step) => sum + step.estimatedTokens, 0));

    const text = await project.ok(['trajectory', 'design', '--max-steps', '2']);
    expect(text).toMatch(/^Trajectory from design: 2 steps, ~\d+ tokens \(no context limit\)/);
    expect(text).toMatch(/1\. design  Design the API\n\s+score 0, ~\d+ tokens\n\s+produces: api\.md/);
    expect(text).toMatch(
      /2\. build  Build the server\n\s+score 3, ~\d+ tokens\n\s+receives: api\.md \(from design\)\n\s+shares:\s+input api\.md from design \(\+3\)\n\s+produces: bin\/server/,
    );
    expect(text).toContain('stopped: reached --max-steps (max-steps)');
  });

  it("starts from the actor's best ready task and stops at its context limit", async () => {
    const planned = await project.json<Planned>(['trajectory', 'design']);
    const [design, build] = planned.steps;
    await project.ok([
      'actor',
      'add',
      'bot',
      '--context-limit',
      String(design!.estimatedTokens + build!.estimatedTokens + 1),
    ]);
    // ops and design are both ready; design unblocks more, so it is the suggestion.
    const forBot = await project.json<Planned>(['trajectory', '--actor', 'bot']);
    expect(forBot).toMatchObject({ start: 'design', actor: 'bot', stoppedBecause: 'context-limit' });
    expect(forBot.steps.map((step) => step.id)).toEqual(['design', 'build']);
    expect(await project.ok(['trajectory', '--actor', 'bot'])).toContain(
      'stopped: the next step would not fit the context limit (context-limit)',
    );
  });

  it('refuses a start that is not ready, an unknown actor, and a call with neither task nor actor', async () => {
    const blocked = await project.wg(['trajectory', 'build']);
    expect(blocked.exitCode).toBe(1);
    expect(blocked.stderr).toMatch(/^error: cannot start a trajectory at build: blocked by design \(open\)/);
    expect((await project.wg(['trajectory', 'design', '--actor', 'ghost'])).stderr).toMatch(/^error: no actor "ghost"/);
    const neither = await project.wg(['trajectory']);
    expect(neither.exitCode).toBe(2);
    expect(neither.stderr).toMatch(/^error: name the task to start from, or --actor/);
    expect((await project.wg(['trajectory', 'design', '--max-steps', '0'])).exitCode).toBe(2);
  });
});

describe('wg claim --trajectory', () => {
  it('claims the first step and reserves the rest for the actor alone', async () => {
    const claimed = await project.json<{
      task: string;
      token: string;
      attempt: number;
      reserved: string[];
      trajectory: Planned;
    }>(['claim', '--trajectory', 'design', '--actor', 'alice', '--max-steps', '3']);
    expect(claimed).toMatchObject({ task: 'design', attempt: 1, reserved: ['build', 'docs'] });
    expect(claimed.trajectory.steps.map((step) => step.id)).toEqual(['design', 'build', 'docs']);
    const reserved = await project.json<{ status: string; claim: { actor: string; trajectory: string } }>([
      'show',
      'build',
    ]);
    expect(reserved).toMatchObject({ status: 'open', claim: { actor: 'alice', trajectory: 'design' } });

    await project.ok(['done', 'design'], { env: { WG_TASK_ID: 'design', WG_TOKEN: claimed.token } });
    // build is now unblocked, but it is alice's: not ready for anyone else, not claimable by bob.
    expect((await project.json<Array<{ id: string }>>(['ready'])).map((task) => task.id)).toEqual(['lint', 'ops']);
    const stolen = await project.wg(['claim', 'build', '--actor', 'bob']);
    expect(stolen.exitCode).toBe(1);
    expect(stolen.stderr).toMatch(/^error: reserved by alice for trajectory design/);
    // bob's own trajectory from lint does not take alice's steps either.
    const bobs = await project.json<{ reserved: string[] }>(['claim', '--trajectory', 'lint', '--actor', 'bob']);
    expect(bobs.reserved).toEqual([]);
    expect(await project.json(['claim', 'build', '--actor', 'alice'])).toMatchObject({
      task: 'build',
      actor: 'alice',
      attempt: 1,
    });
    expect(await project.json(['show', 'docs'])).toMatchObject({
      status: 'open',
      claim: { actor: 'alice', trajectory: 'design' },
    });
  });

  it('prints the token and the steps for people, and changes nothing when the start is not ready', async () => {
    const text = await project.ok(['claim', '--trajectory', 'design', '--actor', 'alice', '--max-steps', '2']);
    expect(text).toMatch(/^Claimed design for alice \(attempt 1\); reserved build\ntoken: \S+\n/);
    expect(text).toMatch(/2\. build  Build the server/);
    const before = project.graphText();
    const refused = await project.wg(['claim', '--trajectory', 'build', '--actor', 'bob']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(
      /^error: cannot start a trajectory at build: blocked by design \(in-progress\); reserved by alice for trajectory design/,
    );
    expect(project.graphText()).toBe(before);
    expect((await project.wg(['claim', 'design', '--trajectory', 'design'])).exitCode).toBe(2);
  });
});
