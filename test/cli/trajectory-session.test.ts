/**
 * Trajectories keep their context: the steps of one trajectory share one worktree (each
 * lands, then the tree moves to the new head on the next step's branch) and, with Claude
 * Code, one agent session. The real Claude Code against the scripted model server, which
 * follows each prompt it is sent; `wg run` with its defaults in a git repository.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git, initRepo } from '../support/git.js';
import { agentProject, announceSkip, findClaude, TEST_API_KEY, type AgentProject } from '../support/agents.js';

let agent: AgentProject | undefined;
afterEach(async () => {
  await agent?.cleanup();
  agent = undefined;
});

interface Command {
  args: string[];
  cwd: string;
}

const claude = await findClaude();
announceSkip('a trajectory in one Claude Code session', claude);

describe.skipIf(claude.skipReason !== undefined)(
  `a trajectory with the real Claude Code ${claude.version ?? '(not installed)'}`,
  () => {
    it('runs its three steps in one worktree and one session, each landing; the next prompt does not repeat what the session holds', async () => {
      agent = await agentProject({
        script: { followProtocol: true },
        config: () =>
          `[defaults]\nbackend = "claude"\nmodel = "claude-scripted-1"\n\n[backends.claude]\ncommand = ${JSON.stringify(claude.path)}\nmax_turns = 12\n`,
        env: (server) => ({
          ANTHROPIC_BASE_URL: server.url,
          ANTHROPIC_API_KEY: TEST_API_KEY,
          CLAUDE_CODE_MAX_RETRIES: '0',
        }),
      });
      const dir = agent.project.dir;
      await initRepo(dir);
      await agent.project.ok(['add', 'Sketch', '--id', 'sketch', '--deliverable', 'sketch.md']);
      // Each step works from the one before it (an input it produces): one agent should walk them in a row.
      await agent.project.ok([
        'add',
        'Draft',
        '--id',
        'draft',
        '--blocked-by',
        'sketch',
        '--input',
        'sketch.md',
        '--deliverable',
        'draft.md',
      ]);
      await agent.project.ok([
        'add',
        'Polish',
        '--id',
        'polish',
        '--blocked-by',
        'draft',
        '--input',
        'draft.md',
        '--deliverable',
        'final.md',
      ]);

      const result = await agent.project.wg(['run'], { env: agent.env });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      expect(agent.server.followerErrors).toEqual([]);
      // Each step landed its work, in order.
      expect(await git(dir, 'log', '--format=%s', 'main')).toBe('Polish\nDraft\nSketch\ninitial');
      expect(await git(dir, 'show', 'main:final.md')).toContain('final.md written by polish');

      // One folder for all three agents; steps 2 and 3 resumed step 1's session.
      const commands = ['sketch', 'draft', 'polish'].map(
        (id) => JSON.parse(readFileSync(join(dir, '.workgraph', 'runs', id, '1', 'command.json'), 'utf8')) as Command,
      );
      expect(new Set(commands.map((command) => command.cwd)).size).toBe(1);
      expect(commands[0]!.args).not.toContain('--resume');
      const session = (command: Command) => command.args[command.args.indexOf('--resume') + 1];
      expect(session(commands[1]!)).toMatch(/^[0-9a-f-]{36}$/);
      expect(session(commands[2]!)).toBe(session(commands[1]!));
      const logs = await Promise.all(
        ['draft', 'polish'].map(async (id) =>
          (await agent!.project.json<{ log: Array<{ message: string }> }>(['show', id])).log.map(
            (entry) => entry.message,
          ),
        ),
      );
      for (const log of logs) {
        expect(log).toContainEqual(
          expect.stringMatching(/^continues in (sketch|draft)'s worktree .*, now on branch wg\/(draft|polish)\/1$/),
        );
        expect(log).toContain("continues the previous step's claude session");
      }

      // The model saw one conversation grow: the last step's requests carry the first step's prompt and turns.
      const requests = agent.server.scripted('anthropic');
      const last = JSON.stringify(requests.at(-1)!.body.messages);
      expect(last).toContain('# Task `sketch`');
      expect(last).toContain('# Task `draft`');
      expect(last).toContain('# Task `polish`');
      // What the session already holds is named, not repeated.
      const draftPrompt = readFileSync(join(dir, '.workgraph', 'runs', 'draft', '1', 'prompt.md'), 'utf8');
      expect(draftPrompt).toContain(
        'You did this step earlier in this same session, and its files (`sketch.md`) are in your working directory',
      );
      expect(draftPrompt).not.toContain('sketch.md written by sketch');

      // Nothing is left behind: no worktree but the checkout, no wg branch.
      expect((await git(dir, 'worktree', 'list')).split('\n')).toHaveLength(1);
      expect(await git(dir, 'branch', '--list', 'wg/*')).toBe('');
    });
  },
);
