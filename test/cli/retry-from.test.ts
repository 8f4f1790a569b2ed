/**
 * Retries that start from what was learned (issue 19, item 3), through the built `wg`, in
 * real git repositories: after a failed check the retry continues its previous attempt's
 * work (and, with Claude Code, its session); after a landing conflict it starts from the
 * new head with its change offered again and is told whose work it met; after a timeout
 * it starts clean; `[run] retry_from = "clean"` turns continuing off.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentProject, announceSkip, findClaude, TEST_API_KEY, type AgentProject } from '../support/agents.js';
import { git, initRepo } from '../support/git.js';
import { tempProject, type Project } from '../support/wg.js';

let project: Project | undefined;
let agent: AgentProject | undefined;
let scratch: string | undefined;
afterEach(async () => {
  await agent?.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  [project, agent, scratch] = [undefined, undefined, undefined];
});

/** Make the project a git repository with one commit on `main`, so attempts get worktrees. */
const commitAll = (dir: string) => initRepo(dir);

/**
 * A project whose `sh` backend (a command backend) runs `program` with the prompt file as
 * $1, and whose own git repository isolates each attempt.
 */
async function shProject(program: string, run = ''): Promise<Project> {
  project = await tempProject();
  writeFileSync(
    join(project.dir, '.workgraph', 'config.toml'),
    `[defaults]\nbackend = "sh"\nmax_retries = 2\n\n[backends.sh]\ntype = "command"\nargv = ["sh", "-c", ${JSON.stringify(program)}, "agent", "{prompt_file}"]\n\n[run]\nretry_backoff = "10ms"\ngrace = "300ms"\n${run}`,
  );
  await commitAll(project.dir);
  return project;
}

const read = (path: string) => readFileSync(join(project!.dir, path), 'utf8');
const messages = async (id: string) => (await project!.show(id)).log.map((entry) => entry.message);
const worktreeOf = (dir: string, id: string, attempt: number) =>
  (
    JSON.parse(readFileSync(join(dir, '.workgraph', 'runs', id, String(attempt), 'command.json'), 'utf8')) as {
      worktree: { path: string; branch: string; base: string };
    }
  ).worktree;

/**
 * The first attempt writes a draft and a wrong answer; later ones write the right answer
 * and say whether they found the draft in their tree.
 */
const DRAFTER =
  'if [ "$WG_ATTEMPT" = 1 ]; then echo draft > draft.txt; echo 41 > answer.txt; else if [ -f draft.txt ]; then echo saw-draft; else echo clean; fi > seen.txt; echo 42 > answer.txt; fi';

describe('after a failed check', () => {
  it("a command backend's retry continues in its previous attempt's tree: it finds that attempt's files, and both land", async () => {
    await shProject(DRAFTER);
    await project!.ok(['add', 'Answer', '--id', 'answer', '--verify', 'grep -qx 42 answer.txt']);
    const result = await project!.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(await project!.show('answer')).toMatchObject({ status: 'done', attempts: 2 });
    expect(read('seen.txt')).toBe('saw-draft\n');
    expect(await git(project!.dir, 'show', 'main:draft.txt')).toBe('draft');
    expect(await git(project!.dir, 'show', 'main:answer.txt')).toBe('42');
    // The same folder, on the retry's own branch; the log and the prompt say so.
    const [first, second] = [worktreeOf(project!.dir, 'answer', 1), worktreeOf(project!.dir, 'answer', 2)];
    expect(second.path).toBe(first.path);
    expect(second.branch).toBe('wg/answer/2');
    expect(await messages('answer')).toContainEqual(
      expect.stringMatching(
        /^retry continues attempt 1's work in its worktree .*, now on branch wg\/answer\/2 \(in a new agent session\)$/,
      ),
    );
    expect(read('.workgraph/runs/answer/2/prompt.md')).toContain(
      "**You continue attempt 1's work**: it is in this worktree as that attempt left it.",
    );
    // Landed: nothing is left behind.
    expect((await git(project!.dir, 'worktree', 'list')).split('\n')).toHaveLength(1);
    expect(await git(project!.dir, 'branch', '--list', 'wg/*')).toBe('');
  });

  // The first attempt also moves the target meanwhile: it commits to main in the user's checkout (beside WG_DIR).
  const MOVER = (file: string, text: string) =>
    `if [ "$WG_ATTEMPT" = 1 ]; then echo draft > draft.txt; echo 41 > answer.txt; C=$(dirname "$WG_DIR"); echo ${text} > "$C/${file}"; git -C "$C" add ${file}; git -C "$C" commit -qm "moved on"; ` +
    'else if [ -f draft.txt ]; then echo saw-draft; else echo clean; fi > seen.txt; echo 42 > answer.txt; fi';

  it('when the target moved meanwhile, the continued work is brought onto its new head, and both land', async () => {
    await shProject(MOVER('other.txt', 'other'));
    await project!.ok(['add', 'Answer', '--id', 'answer', '--verify', 'grep -qx 42 answer.txt']);
    const result = await project!.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(read('seen.txt')).toBe('saw-draft\n');
    const moved = await git(project!.dir, 'rev-parse', 'main~1');
    expect(await git(project!.dir, 'log', '--format=%s', 'main')).toBe('Answer\nmoved on\ninitial');
    expect(await git(project!.dir, 'show', 'main:other.txt')).toBe('other');
    expect(await git(project!.dir, 'show', 'main:answer.txt')).toBe('42');
    expect(await messages('answer')).toContainEqual(
      `retry continues attempt 1's work in its worktree ${worktreeOf(project!.dir, 'answer', 1).path}, now on branch wg/answer/2, brought onto main at ${moved.slice(0, 12)} (in a new agent session)`,
    );
  });

  it("when the continued work does not go onto the target's new head, the retry starts clean and says why", async () => {
    await shProject(MOVER('answer.txt', '40'));
    await project!.ok(['add', 'Answer', '--id', 'answer', '--verify', 'grep -qx 42 answer.txt']);
    const result = await project!.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(read('seen.txt')).toBe('clean\n');
    expect(await git(project!.dir, 'show', 'main:answer.txt')).toBe('42');
    expect(await git(project!.dir, 'ls-tree', '--name-only', 'main')).not.toContain('draft.txt');
    expect(await messages('answer')).toContainEqual(
      expect.stringMatching(
        /^retry starts clean: attempt 1's work could not be continued \(its work does not go onto the target's head [0-9a-f]{12} cleanly \(conflict in answer\.txt\)\)$/,
      ),
    );
    expect(worktreeOf(project!.dir, 'answer', 2).path).not.toBe(worktreeOf(project!.dir, 'answer', 1).path);
  });

  it('[run] retry_from = "clean" starts the retry from a clean tree', async () => {
    await shProject(DRAFTER, 'retry_from = "clean"\n');
    await project!.ok(['add', 'Answer', '--id', 'answer', '--verify', 'grep -qx 42 answer.txt']);
    const result = await project!.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(read('seen.txt')).toBe('clean\n');
    expect(await git(project!.dir, 'ls-tree', '--name-only', 'main')).not.toContain('draft.txt');
    expect(worktreeOf(project!.dir, 'answer', 2).path).not.toBe(worktreeOf(project!.dir, 'answer', 1).path);
    expect(read('.workgraph/runs/answer/2/prompt.md')).not.toContain('You continue');
  });

  it('a retry_from that is not auto, clean or previous is one line', async () => {
    await shProject('true', 'retry_from = "maybe"\n');
    await project!.ok(['add', 'T', '--id', 't']);
    const result = await project!.wg(['run']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/^error: config\.toml: run\.retry_from: /);
  });
});

describe('after a timeout', () => {
  it('the retry starts clean: nothing the timed-out attempt wrote is there', async () => {
    // The first attempt writes its draft, then hangs until the timeout stops it.
    await shProject(
      'if [ "$WG_ATTEMPT" = 1 ]; then echo draft > draft.txt; exec sleep 60; fi; if [ -f draft.txt ]; then echo saw-draft; else echo clean; fi > seen.txt',
    );
    await project!.ok(['add', 'Slow', '--id', 'slow', '--timeout', '1s', '--verify', 'test -f seen.txt']);
    const result = await project!.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(await messages('slow')).toContainEqual(expect.stringMatching(/^failed: timed out after 1s/));
    expect(read('seen.txt')).toBe('clean\n');
    expect(worktreeOf(project!.dir, 'slow', 2).path).not.toBe(worktreeOf(project!.dir, 'slow', 1).path);
  });
});

describe('after a landing conflict', () => {
  it("the retry's prompt names the task whose landed work clashed and shows both sides' hunks; the rest of its change is applied again", async () => {
    scratch = mkdtempSync(join(tmpdir(), 'wg-meet-'));
    // `second` changes two files, and finishes only once `first` has landed (and so reached the checkout);
    // its retry says whether it found its own other.txt in its fresh tree.
    await shProject(
      [
        'if [ "$WG_ATTEMPT" = 1 ]; then',
        '  echo second > same.txt; echo other > other.txt',
        `  i=0; while [ ! -f "$CHECKOUT/same.txt" ]; do i=$((i+1)); [ $i -gt 400 ] && exit 9; sleep 0.05; done`,
        'else',
        '  if [ -f other.txt ]; then echo applied; else echo missing; fi > seen.txt; echo second > same.txt',
        'fi',
      ].join('\n'),
      // The agent waits on the checkout, which it is told of by name.
      'env_pass = ["CHECKOUT"]\n',
    );
    await project!.ok(['add', 'First', '--id', 'first', '--exec', 'echo first > same.txt']);
    await project!.ok(['add', 'Second', '--id', 'second']);
    const result = await project!.wg(['run', '--parallel', '2'], { env: { CHECKOUT: project!.dir } });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(await messages('second')).toContainEqual(expect.stringMatching(/failed: merge conflict in same\.txt/));

    const prompt = read('.workgraph/runs/second/2/prompt.md');
    const firstCommit = (await project!.json<{ landed: { commit: string } }>(['show', 'first'])).landed.commit;
    expect(prompt).toContain(
      "This retry starts from `main`'s newest head, with attempt 1's work offered again. Its change is applied again (uncommitted) where it still applies: `other.txt`. Not applied, since `main` changed them too: `same.txt`",
    );
    expect(prompt).toContain(
      `Conflict in \`same.txt\`: changed on \`main\` meanwhile by task \`first\` (First, commit ${firstCommit.slice(0, 12)}). Their change:`,
    );
    expect(prompt).toMatch(
      /Their change:\n\n```\ndiff --git a\/same.txt b\/same.txt\nnew file mode 100644\n[^`]*\n\+first\n```/,
    );
    expect(prompt).toMatch(
      /Your previous attempt's change:\n\n```\ndiff --git a\/same.txt b\/same.txt\n[^`]*\n\+second\n```/,
    );
    expect(await messages('second')).toContainEqual(
      "retry starts from main's head with attempt 1's change applied to other.txt; not applied to same.txt; the conflict was with the landed work of first",
    );

    // The retry found its other.txt applied, and landed on top of `first`.
    expect(read('seen.txt')).toBe('applied\n');
    expect(await git(project!.dir, 'show', 'main:other.txt')).toBe('other');
    expect(await git(project!.dir, 'log', '--format=%s', 'main')).toBe('Second\nFirst\ninitial');
  });
});

const claude = await findClaude();
announceSkip('retry continuing a Claude Code session', claude);

describe.skipIf(claude.skipReason !== undefined)(
  `with the real Claude Code ${claude.version ?? '(not installed)'}`,
  () => {
    it("a failed check's retry resumes the same session in the same worktree: the model sees its earlier turns, and the work lands", async () => {
      agent = await agentProject({
        script: {
          anthropic: [
            { tool: 'Bash', input: { command: 'echo 41 > answer.txt', description: 'write the answer' } },
            { text: 'Wrote 41.' },
            { tool: 'Bash', input: { command: 'echo 42 > answer.txt', description: 'fix the answer' } },
            { text: 'Fixed it: 42.' },
          ],
        },
        config: () =>
          `[defaults]\nbackend = "claude"\nmodel = "claude-scripted-1"\nmax_retries = 2\n\n[backends.claude]\ncommand = ${JSON.stringify(claude.path)}\nmax_turns = 8\n\n[run]\nretry_backoff = "10ms"\ngrace = "500ms"\n`,
        env: (server) => ({
          ANTHROPIC_BASE_URL: server.url,
          ANTHROPIC_API_KEY: TEST_API_KEY,
          CLAUDE_CODE_MAX_RETRIES: '0',
        }),
      });
      const dir = agent.project.dir;
      await commitAll(dir);
      await agent.project.ok([
        'add',
        'Answer',
        '--id',
        'answer',
        '--tool',
        'Bash',
        '--verify',
        'grep -qx 42 answer.txt',
      ]);
      const result = await agent.project.wg(['run'], { env: agent.env });
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      expect(await git(dir, 'show', 'main:answer.txt')).toBe('42');

      // Attempt 2 resumed attempt 1's session, in the same folder.
      const commands = [1, 2].map(
        (attempt) =>
          JSON.parse(
            readFileSync(join(dir, '.workgraph', 'runs', 'answer', String(attempt), 'command.json'), 'utf8'),
          ) as { args: string[]; cwd: string },
      );
      expect(commands[0]!.args).not.toContain('--resume');
      const resumed = commands[1]!.args[commands[1]!.args.indexOf('--resume') + 1];
      expect(resumed).toMatch(/^[0-9a-f-]{36}$/);
      expect(commands[1]!.cwd).toBe(commands[0]!.cwd);
      const shown = await agent.project.show('answer');
      expect(shown).toMatchObject({ status: 'done', attempts: 2 });
      expect(shown.log.map((entry) => entry.message)).toContainEqual(
        expect.stringMatching(/^retry continues attempt 1's work in its worktree .* and its claude session$/),
      );

      // The model's first request of the retry carries the first attempt's turns, then the retry's prompt.
      const requests = agent.server.scripted('anthropic');
      expect(requests).toHaveLength(4);
      const conversation = JSON.stringify(requests[2]!.body.messages);
      expect(conversation).toContain('echo 41 > answer.txt');
      expect(conversation).toContain('Wrote 41.');
      expect(conversation).toContain('This is the same session as that attempt');
      expect(conversation).toContain('verification failed');
    });
  },
);
