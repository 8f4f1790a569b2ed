/**
 * The sandbox demo end to end, as `npm run demo` runs it: a fresh copy of sandbox/,
 * `wg run` there with the offline stand-in agents, and the demo's own verdict.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, REPO_ROOT } from '../support/wg.js';

interface TaskRecord {
  kind: string;
  id: string;
  status: string;
  assigned?: string;
  artifacts?: string[];
  retry_count?: number;
  attempts?: number;
  failure_reason?: string;
  summary?: string;
  log?: Array<{ message: string }>;
}

const SANDBOX = join(REPO_ROOT, 'sandbox');
const readGraph = (workgraph: string): Map<string, TaskRecord> =>
  new Map(
    readFileSync(join(workgraph, 'graph.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as TaskRecord)
      .filter((record) => record.kind === 'task')
      .map((task) => [task.id, task]),
  );

let copy: string;
let demo: { exitCode: number | undefined; stdout: string; stderr: string };
let tasks: Map<string, TaskRecord>;
const file = (path: string) => readFileSync(join(copy, path), 'utf8');
const finalRun = (id: string) => join(copy, '.workgraph', 'runs', id, String(tasks.get(id)!.attempts));

beforeAll(async () => {
  // No NO_COLOR here: output to a pipe must be plain on its own.
  const result = await execa('node', [join(REPO_ROOT, 'scripts', 'demo.mjs')], {
    env: cleanEnv({ NO_COLOR: undefined, FORCE_COLOR: undefined, CI: undefined }),
    reject: false,
    stdin: 'ignore',
  });
  demo = { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
  copy = /a fresh copy of sandbox\/ in (\S+)/.exec(demo.stdout)?.[1] ?? '';
  if (!copy) throw new Error(`the demo did not say where its copy is:\n${demo.stdout}\n${demo.stderr}`);
  tasks = readGraph(join(copy, '.workgraph'));
}, 60_000);

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe('the sandbox demo', () => {
  it('finishes as designed: all done but the task that overran its timeout, which leaves nothing blocked', () => {
    expect(demo.exitCode, demo.stdout + demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/Run finished in [\d.]+s: 8 done, 1 failed, 0 blocked, 0 unassignable/);
    expect(demo.stdout).toContain('As designed: every task is done except benchmark');
    const notDone = [...tasks.values()].filter((task) => task.status !== 'done').map((task) => task.id);
    expect(notDone).toEqual(['benchmark']);
  });

  it('kills the benchmark at its 3s timeout, mid-measurement, without retrying it', () => {
    expect(tasks.get('benchmark')).toMatchObject({
      status: 'failed',
      failure_reason: 'timed out after 3s',
      attempts: 1,
    });
    const output = readFileSync(join(finalRun('benchmark'), 'output.log'), 'utf8');
    expect(output).toMatch(/round 1: [\d,]+ slugs per second/);
    expect(output).not.toContain('median');
  });

  it('retries implement-word-count after its verify check fails, and the retry reads why', () => {
    const task = tasks.get('implement-word-count')!;
    expect(task).toMatchObject({ status: 'done', retry_count: 1, attempts: 2 });
    const messages = task.log!.map((entry) => entry.message);
    const failure = messages.find((message) => message.startsWith('failed: '));
    // The reason, then the check's last lines and where all of its output is.
    expect(failure).toMatch(
      /^failed: verification failed \(exit code 1\): wordCount\(""\) returned 1, expected 0\n.*the check's last lines .*runs\/implement-word-count\/1\/verify\.log/,
    );
    // The retry learned why from its prompt, as a real agent would.
    expect(messages).toContain(
      'attempt 2: the last one failed (verification failed (exit code 1): wordCount("") returned 1, expected 0); splitting on any white space now',
    );
    expect(readdirSync(join(copy, '.workgraph', 'runs', 'implement-word-count')).sort()).toEqual(['1', '2']);
    expect(readFileSync(join(copy, '.workgraph', 'runs', 'implement-word-count', '1', 'verify.log'), 'utf8')).toContain(
      'returned 1, expected 0',
    );
  });

  it('registers every deliverable as an artifact, written by the actor with the right skills', () => {
    const expected: Record<string, [artifact: string, actor: string]> = {
      'write-spec': ['docs/spec.md', 'writer'],
      'implement-slugify': ['src/slugify.js', 'coder'],
      'implement-word-count': ['src/word-count.js', 'coder'],
      'write-tests': ['test/textkit.test.mjs', 'coder'],
      'export-api': ['src/index.js', 'coder'],
      'run-tests': ['reports/tests.txt', 'coder'],
      'write-guide': ['docs/guide.md', 'writer'],
      changelog: ['CHANGELOG.md', 'writer'],
    };
    for (const [id, [artifact, actor]] of Object.entries(expected)) {
      expect(tasks.get(id), id).toMatchObject({ status: 'done', artifacts: [artifact], assigned: actor });
      expect(existsSync(join(copy, artifact)), artifact).toBe(true);
    }
    expect(file('reports/tests.txt')).toMatch(/^# pass 4$/m);
    expect(file('CHANGELOG.md')).toContain('`slugify(text)`, `wordCount(text)`');
  });

  it('puts upstream artifacts and context files into downstream prompts', () => {
    const guidePrompt = readFileSync(join(finalRun('write-guide'), 'prompt.md'), 'utf8');
    expect(guidePrompt).toContain(file('src/slugify.js').trimEnd());
    expect(guidePrompt).toContain(file('reports/tests.txt').trimEnd());
    // The guide is made from what arrived in that prompt: the spec's wording, via the source's JSDoc.
    expect(file('docs/guide.md')).toContain('Turns a title into a URL slug');
    const slugifyPrompt = readFileSync(join(finalRun('implement-slugify'), 'prompt.md'), 'utf8');
    expect(slugifyPrompt).toContain(file('docs/spec.md').trimEnd());
    expect(slugifyPrompt).toContain('#### `STYLE.md` (context file)');
    expect(slugifyPrompt).toContain(file('STYLE.md').trimEnd());
  });

  it("hands on each stand-in's ::summary, and only the retried task's succeeding attempt", () => {
    const wordCount = tasks.get('implement-word-count')!;
    expect(wordCount.summary).toBe(
      "src/word-count.js implements wordCount(text) as docs/spec.md specifies, with its 2 examples as @example lines. It counts runs of non-white-space, so '' has 0 words.",
    );
    expect(tasks.get('write-spec')!.summary).toMatch(/^docs\/spec\.md specifies slugify\(\) and wordCount\(\)/);
    // export-api waits for implement-word-count, whose first attempt failed its check.
    const exportPrompt = readFileSync(join(finalRun('export-api'), 'prompt.md'), 'utf8');
    const section = exportPrompt.slice(
      exportPrompt.indexOf('### `implement-word-count`'),
      exportPrompt.indexOf('## Context files'),
    );
    expect(section).toContain(`Its agent's summary of the work:\n\n\`\`\`\n${wordCount.summary}\n\`\`\``);
    expect(section).toMatch(/coder: done\n/);
    expect(section).not.toContain('returned 1, expected 0');
    expect(section).not.toContain('failed:');
    expect(section).not.toContain('reopened for retry');
    // The shell task has no agent and so no summary; its section is as before.
    expect(tasks.get('run-tests')!.summary).toBeUndefined();
  });

  it('writes plain text to a pipe and says where to look next', () => {
    expect(demo.stdout).not.toContain('\x1b');
    expect(demo.stdout).toContain(`ls .workgraph/runs/write-guide/${tasks.get('write-guide')!.attempts}/`);
    expect(demo.stdout).toContain('wg show implement-word-count');
    expect(demo.stdout).toContain('wg log benchmark');
  });

  it("leaves the repo's sandbox untouched: no runs, no lock, every task still open", () => {
    const workgraph = join(SANDBOX, '.workgraph');
    expect(existsSync(join(workgraph, 'runs'))).toBe(false);
    expect(existsSync(join(workgraph, 'graph.lock'))).toBe(false);
    expect(new Set([...readGraph(workgraph).values()].map((task) => task.status))).toEqual(new Set(['open']));
    expect(existsSync(join(SANDBOX, 'docs'))).toBe(false);
  });
});
