/**
 * Deliverables are a contract, on every backend: a successful attempt registers each
 * declared deliverable it wrote, and one that left a declared file unwritten fails as
 * `missing-deliverable`, naming it, with the retry's prompt saying so.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeProject, script } from '../support/fake.js';
import type { Project } from '../support/wg.js';

let project: Project;
const promptOf = (id: string, attempt: number) =>
  readFileSync(join(project.dir, '.workgraph', 'runs', id, String(attempt), 'prompt.md'), 'utf8');

describe('deliverables', () => {
  it('a shell task that never runs wg artifact still hands its declared file downstream', async () => {
    project = await fakeProject();
    await project.ok([
      'add',
      'Produce',
      '--id',
      'produce',
      '--exec',
      'mkdir -p out && echo MARKER-c41e > out/data.txt',
      '--deliverable',
      'out/data.txt',
    ]);
    await project.ok([
      'add',
      'Consume',
      '--id',
      'consume',
      '--blocked-by',
      'produce',
      '--input',
      'out/data.txt',
      '--prompt',
      script([{ expectPrompt: 'MARKER-c41e' }]),
    ]);
    const result = await project.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect((await project.show('produce')).artifacts).toEqual(['out/data.txt']);
    expect((await project.show('consume')).status).toBe('done');
    expect(promptOf('consume', 1)).toContain('MARKER-c41e');
  });

  it('an agent that exits 0 without writing a deliverable fails naming it, and the retry is told', async () => {
    project = await fakeProject();
    // The first attempt forgets one of the two files; the second writes both.
    const steps = [
      { write: { path: 'a.txt', content: 'a' } },
      { failOnAttempts: [1], code: 0 },
      { write: { path: 'b.txt', content: 'b' } },
    ];
    await project.ok([
      'add',
      'Two files',
      '--id',
      'two',
      '--deliverable',
      'a.txt',
      '--deliverable',
      'b.txt',
      '--max-retries',
      '2',
      '--prompt',
      script(steps),
    ]);
    const result = await project.wg(['run']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const task = await project.show('two');
    expect(task.status).toBe('done');
    expect(task.retry_count).toBe(1);
    expect(task.log.map((entry) => entry.message).join('\n')).toContain('missing deliverable: b.txt was not written');
    expect(promptOf('two', 2)).toContain(
      '**This is a retry.** The previous attempt failed: missing deliverable: b.txt was not written',
    );
    expect(task.artifacts).toEqual(['a.txt', 'b.txt']);
  });

  it('a shell task whose deliverable is missing fails for good once its retries are spent, and nothing is registered', async () => {
    project = await fakeProject();
    await project.ok([
      'add',
      'Forgetful',
      '--id',
      'forgetful',
      '--exec',
      'echo working',
      '--deliverable',
      'report.md',
      '--max-retries',
      '1',
    ]);
    const result = await project.wg(['run']);
    expect(result.exitCode).toBe(1);
    const task = await project.show('forgetful');
    expect(task.status).toBe('failed');
    expect(task.failure_reason).toBe('missing deliverable: report.md was not written');
    expect(task.artifacts ?? []).toEqual([]);
    expect(result.stdout).toMatch(/missing-deliverable forgetful: missing deliverable: report\.md was not written/);
  });
});
