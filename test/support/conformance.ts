/**
 * The protocol-conformance cases, for any agent backend (see ../cli/protocol-conformance*.test.ts):
 * with exactly the configuration `wg init` writes and no tool granted by hand, the agent
 * runs a graph driven by a scripted model that does what the prompt's Protocol section
 * says, in the exact command form (or tool) it gives (see protocol-follower.ts). If a
 * prompt template or a backend changes so that an agent can no longer report, register or
 * check its work, these fail. A test file calls `useCleanups()` once, then the cases.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { AGENT_HOMES, OFFLINE_ENV, sentFor, summaryBlock, type AgentProgram } from './agents.js';
import { startModelServer, type ModelServer } from './model-server.js';
import { calledTools, deliverableContent, toolResults, type Api } from './protocol-follower.js';
import { tempProject, type Project } from './wg.js';

export interface Subject {
  backend: string;
  /** ACP agents are large programs that start slowly (opencode: ~2 CPU-s for `--version`): a loaded CI machine needs longer. */
  slow?: boolean;
  api: Api;
  program?: AgentProgram;
  env(server: ModelServer, home: string): Record<string, string>;
  /** How the agent's model sees wg's MCP tools, where the prompt names them (`wg_`: `wg_log`): it must report through them. */
  toolPrefix?: string;
}

/** Not /tmp (writable in Codex's sandbox by default) and in no git repository. */
const OUTSIDE_TMP = '/var/tmp';

let cleanups: Array<() => Promise<void> | void> = [];

/** Each case's server, project and agent home go after it. */
export function useCleanups(): void {
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
  });
}

async function setUp(
  subject: Subject,
  base?: string,
): Promise<{ project: Project; server: ModelServer; env: Record<string, string | undefined> }> {
  const server = await startModelServer({ followProtocol: true });
  const project = await tempProject(base);
  // Not under the temp folder: Codex's bubblewrap sandbox refuses a CODEX_HOME there (see AGENT_HOMES).
  mkdirSync(AGENT_HOMES, { recursive: true });
  const home = mkdtempSync(join(AGENT_HOMES, 'conformance-'));
  cleanups.push(
    () => server.close(),
    () => project.cleanup(),
    () => rmSync(home, { recursive: true, force: true }),
  );
  return { project, server, env: { HOME: home, ...OFFLINE_ENV, ...subject.env(server, home) } };
}

/** The agent-loop requests that carried one task's prompt, in order. */
/** A request's conversation from its latest task prompt on: what the agent did for that task alone. */
function sinceLatestPrompt(api: Api, body: any): any {
  const key = api === 'openai' ? 'input' : 'messages';
  const items: unknown[] = body[key] ?? [];
  const start = items.findLastIndex((item) => JSON.stringify(item).includes('# Task `'));
  return { ...body, [key]: items.slice(Math.max(0, start)) };
}

/** The requests made while the agent worked on `taskId`: the latest task prompt in them is its (a continued session carries earlier ones too). */
function requestsOf(server: ModelServer, api: Api, taskId: string) {
  return server
    .scripted(api)
    .filter((request) => [...JSON.stringify(request.body).matchAll(/# Task `([^`]+)`/g)].at(-1)?.[1] === taskId);
}

/** Make the project a git repository with one commit: `wg run` then isolates every attempt in a worktree. */
async function makeGitRepository(dir: string): Promise<void> {
  const git = (...args: string[]) => execa('git', args, { cwd: dir });
  await git('init', '--quiet', '--initial-branch', 'main');
  writeFileSync(join(dir, 'README.md'), '# conformance\n');
  await git('add', 'README.md');
  await git('-c', 'user.email=t@example.com', '-c', 'user.name=T', 'commit', '--quiet', '-m', 'initial');
}

/**
 * The two-task graph, in a plain folder and in a git repository (each attempt in a worktree, the second continuing
 * the first one's session); `gitOnly`: the repository alone (the plain folder is the runner's business, the same
 * for every backend).
 */
export function describeTwoTaskGraph(subjects: Subject[], options: { gitOnly?: boolean } = {}): void {
  const places = [
    { where: 'a plain folder', git: false },
    { where: 'a git repository, each attempt in its own worktree', git: true },
  ].filter((place) => place.git || !options.gitOnly);
  for (const subject of subjects) {
    const skip = subject.program?.skipReason !== undefined;
    describe.skipIf(skip).each(places)(
      `${subject.backend} follows the prompt's protocol with the settings wg init writes, in $where`,
      ({ git }) => {
        it(
          'registers, logs and checks its work, and the next task sees it; every call succeeds',
          async () => {
            const { project, server, env } = await setUp(subject);
            if (git) await makeGitRepository(project.dir);
            await project.ok(['add', 'Make alpha', '--deliverable', 'alpha.txt']);
            await project.ok([
              'add',
              'Make beta',
              '--blocked-by',
              'make-alpha',
              '--input',
              'alpha.txt',
              '--deliverable',
              'beta.txt',
              '--verify',
              'test -s beta.txt',
            ]);

            const result = await project.wg(['run', '--backend', subject.backend], { env });
            expect(result.exitCode, result.stdout + result.stderr).toBe(0);
            expect(server.followerErrors).toEqual([]);

            const alpha = await project.show('make-alpha');
            const beta = await project.show('make-beta');
            expect([alpha.status, beta.status]).toEqual(['done', 'done']);
            const alphaText = deliverableContent({ taskId: 'make-alpha', upstreamLines: [] }, 'alpha.txt');
            expect(readFileSync(join(project.dir, 'alpha.txt'), 'utf8')).toBe(alphaText);
            // The second prompt carried the first task's file, and the agent used it.
            const betaRequests = requestsOf(server, subject.api, 'make-beta');
            expect(JSON.stringify(betaRequests[0]!.body)).toContain(JSON.stringify(alphaText.trim()).slice(1, -1));
            expect(readFileSync(join(project.dir, 'beta.txt'), 'utf8')).toContain(`from upstream: ${alphaText.trim()}`);
            // The model's closing words became each task's summary, and the second prompt handed the first one on.
            expect([alpha.summary, beta.summary]).toEqual([
              'Task make-alpha is complete.',
              'Task make-beta is complete.',
            ]);
            // Every backend walks the trajectory in one session: the model already holds make-alpha's turns, so the prompt names them instead of handing them over.
            expect(JSON.stringify(betaRequests[0]!.body)).toContain('Task make-alpha is complete.');
            expect(sentFor(server, subject.api, 'make-beta')).toContain(
              'You did this step earlier in this same session',
            );
            expect(sentFor(server, subject.api, 'make-beta')).not.toContain(
              summaryBlock('Task make-alpha is complete.'),
            );

            for (const [id, task, requests] of [
              ['make-alpha', alpha, requestsOf(server, subject.api, 'make-alpha')],
              ['make-beta', beta, betaRequests],
            ] as const) {
              // Each step of the protocol ran, and the agent program reported every one as successful.
              const results = toolResults(subject.api, sinceLatestPrompt(subject.api, requests.at(-1)!.body));
              const expected = id === 'make-alpha' ? 5 : 6; // log, progress, write, artifact, [verify,] log
              expect(
                results.map((entry) => entry.ok),
                JSON.stringify(results, null, 1),
              ).toEqual(Array(expected).fill(true));
              // The agent's own wg calls landed in the task: its log messages, its progress, its artifact.
              const messages = task.log.map((entry) => entry.message);
              expect(messages).toContain(`starting: ${id === 'make-alpha' ? 'Make alpha' : 'Make beta'}`);
              expect(messages, JSON.stringify({ log: task.log, results }, null, 1)).toContain(
                'done: 1 deliverable(s) written',
              );
              expect(messages.some((message) => message.startsWith('progress 50%'))).toBe(true);
              expect(task.artifacts).toEqual([id === 'make-alpha' ? 'alpha.txt' : 'beta.txt']);
              if (subject.toolPrefix !== undefined) {
                // It reported through wg's tools as its prompt named them; make-alpha has no check, so it ran no shell at all.
                const called = calledTools(subject.api, sinceLatestPrompt(subject.api, requests.at(-1)!.body));
                const tool = (name: string) => `${subject.toolPrefix}${name}`;
                expect(called).toEqual(expect.arrayContaining([tool('log'), tool('progress'), tool('artifact')]));
                if (id === 'make-alpha') expect(called.filter((name) => /^(bash|Bash|shell)$/.test(name))).toEqual([]);
              }
            }
            if (git) {
              const log = await execa('git', ['log', '--format=%s', 'main'], { cwd: project.dir });
              expect(String(log.stdout)).toBe('Make beta\nMake alpha\ninitial');
              expect(
                String((await execa('git', ['worktree', 'list'], { cwd: project.dir })).stdout).split('\n'),
              ).toHaveLength(1);
            }
          },
          subject.slow ? 240_000 : undefined,
        );
      },
    );
  }
}

/** A task whose working_dir is a subfolder outside any git repository still reaches the graph above it. */
export function describeSubfolder(subjects: Subject[]): void {
  for (const subject of subjects) {
    describe.skipIf(subject.program?.skipReason !== undefined)(
      `${subject.backend} in a subfolder working_dir, with wg init settings`,
      () => {
        it('still reaches the graph above its folder and registers its deliverable', async () => {
          // Outside /tmp, which Codex's sandbox would let it write anyway (the graph folder must be granted),
          // and outside any git repository, so the attempt runs in place, in the subfolder.
          const { project, server, env } = await setUp(subject, OUTSIDE_TMP);
          mkdirSync(join(project.dir, 'sub'));
          await project.ok(['add', 'Make gamma', '--deliverable', 'sub/gamma.txt', '--working-dir', 'sub']);
          const result = await project.wg(['run', '--backend', subject.backend], { env });
          expect(result.exitCode, result.stdout + result.stderr).toBe(0);
          const task = await project.show('make-gamma');
          expect(task.status).toBe('done');
          expect(task.log.map((entry) => entry.message)).toContain('done: 1 deliverable(s) written');
          const results = toolResults(subject.api, server.scripted(subject.api).at(-1)!.body);
          expect(
            results.map((entry) => entry.ok),
            JSON.stringify(results, null, 1),
          ).toEqual(Array(5).fill(true));
        });
      },
    );
  }
}

/** `wg ask` ends the attempt; after `wg answer` the next attempt uses the answer. */
export function describeAsking(subjects: Subject[]): void {
  for (const subject of subjects) {
    describe.skipIf(subject.program?.skipReason !== undefined)(
      `${subject.backend} asks a person with \`wg ask\`, with wg init settings`,
      () => {
        it(
          'the question ends the attempt, the task waits, and after `wg answer` the next attempt uses the answer',
          async () => {
            const { project, server, env } = await setUp(subject);
            const question = 'Which colour should the banner be?';
            await project.ok([
              'add',
              'Paint banner',
              '-d',
              `Paint the banner.\n\nAsk a person first: ${question}`,
              '--deliverable',
              'banner.txt',
            ]);
            const asked = await project.wg(['run', '--backend', subject.backend], { env });
            expect(asked.exitCode, asked.stdout + asked.stderr).toBe(1);
            expect(server.followerErrors).toEqual([]);
            const waiting = await project.show('paint-banner');
            expect(waiting.status, JSON.stringify(waiting.log, null, 1)).toBe('waiting');
            expect(waiting.question).toMatchObject({ kind: 'question', text: question, attempt: 1 });
            expect(waiting.retry_count ?? 0).toBe(0);
            // The agent program ran `wg ask` and reported it as successful (its default permissions allow it).
            const askResults = toolResults(subject.api, server.scripted(subject.api).at(-1)!.body);
            expect(
              askResults.map((entry) => entry.ok),
              JSON.stringify(askResults, null, 1),
            ).toEqual([true]);
            expect(existsSync(join(project.dir, 'banner.txt'))).toBe(false);

            await project.ok(['answer', 'paint-banner', 'Dark blue, please.', '--actor', 'alice']);
            const answered = await project.wg(['run', '--backend', subject.backend], { env });
            expect(answered.exitCode, answered.stdout + answered.stderr).toBe(0);
            expect(server.followerErrors).toEqual([]);
            const done = await project.show('paint-banner');
            expect(done.status).toBe('done');
            expect(readFileSync(join(project.dir, 'banner.txt'), 'utf8')).toContain('answer: Dark blue, please.');
            // The prompt of the attempt after the answer carried the question and the answer.
            const last = JSON.stringify(server.scripted(subject.api).at(-1)!.body);
            expect(last).toContain('**alice answered:**');
            expect(last).toContain(question);
          },
          subject.slow ? 240_000 : undefined,
        );
      },
    );
  }
}
