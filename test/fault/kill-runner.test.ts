/**
 * kill -9 of `wg run` at random moments of a 100-task run, then `wg run` again. The
 * graph must be whole after every kill, and in the end every task done exactly once
 * (a task's command may run twice if the kill landed mid-attempt: at-least-once
 * execution, exactly-once completion). run.test.ts covers one kill of a 6-task run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/fake.js';
import { count, dagGraph, doneEntries, parseLines, seeded, setConfig, spawnersIn } from '../support/fault.js';
import { cleanEnv, tempProject, WG_BIN, type Project } from '../support/wg.js';

let project: Project;
const TASKS = count(100, 300);
// The issue asks for 10 rounds of a 100-task run in `npm test`; test:stress triples both.
const KILLS = count(10, 30);
const SEED = Number(process.env.WG_FAULT_SEED ?? Date.now() % 100_000);

const doneCount = () => parseLines(project.graphNow()).filter((task) => task.status === 'done').length;

describe(`kill -9 of wg run (seed ${SEED}: WG_FAULT_SEED=${SEED} replays it)`, () => {
  it(
    `${KILLS} kills at random moments of a ${TASKS}-task run: the graph stays valid, every task ends done exactly once`,
    { timeout: 180_000 },
    async () => {
      project = await tempProject();
      // Recovery counts a task killed mid-attempt as a failed attempt: leave room for many kills.
      setConfig(
        join(project.dir, '.workgraph'),
        '[defaults]\nmax_retries = 50\n\n[run]\nparallel = 4\ngrace = "300ms"\nretry_backoff = "10ms"\nmax_steps = 1\n',
      );
      project.writeGraph(dagGraph(TASKS, (id) => `echo ${id} >> ran.log`));
      const random = seeded(SEED);
      let kills = 0;
      for (let round = 0; round < KILLS; round++) {
        const before = doneCount();
        // Somewhere in the next few completions, plus up to 40 ms so the kill lands in any phase (plan, spawn, write).
        const target = Math.min(TASKS - 1, before + 1 + Math.floor(random() * 7));
        const runner = execa('node', [WG_BIN, 'run'], { cwd: project.dir, env: cleanEnv(), reject: false });
        let exited = false;
        void runner.finally(() => (exited = true));
        await waitFor(() => exited || doneCount() >= target, `${target} tasks done`, 30_000);
        await new Promise((resolve) => setTimeout(resolve, random() * 40));
        if (!exited) {
          runner.kill('SIGKILL');
          kills++;
        }
        await runner;
        // What the killed runner left: graph.jsonl whole, its latest changes in graph.journal.
        expect(parseLines(project.graphText())).toHaveLength(TASKS);
        const lines = parseLines(project.graphNow());
        expect(lines).toHaveLength(TASKS);
        for (const task of lines)
          expect(doneEntries(task), `${task.id} after kill ${round + 1}`).toBeLessThanOrEqual(1);
        // The strict reader (zod, duplicates, references) accepts what the killed runner left.
        expect((await project.wg(['list'])).exitCode).toBe(0);
      }
      expect(kills).toBeGreaterThan(0);
      // The helper each runner started its agents from goes with it, even after kill -9.
      await waitFor(() => spawnersIn(project.dir).length === 0, "the killed runners' process spawners to exit", 10_000);

      const last = await project.wg(['run']);
      expect(last.exitCode, last.stdout + last.stderr).toBe(0);
      const tasks = parseLines(project.graphText());
      expect(tasks.filter((task) => task.status !== 'done').map((task) => task.id)).toEqual([]);
      for (const task of tasks) expect(doneEntries(task), task.id).toBe(1);
      // Some kill landed mid-attempt, so recovery of a dead runner's lease was exercised, not just reruns.
      expect(tasks.some((task) => (task.log ?? []).some((entry) => entry.message.includes('runner died')))).toBe(true);
      const ran = new Set(readFileSync(join(project.dir, 'ran.log'), 'utf8').split('\n').filter(Boolean));
      expect(ran.size).toBe(TASKS);
    },
  );
});
