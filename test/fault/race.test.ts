/**
 * 16 processes racing `claim`, `log` and `done` on the same tasks, each task in a
 * different order per process. leases.test.ts races claims on one task and logs on
 * one task; here the three operations interleave on several tasks at once, and the
 * losers try to write without the lease while the winner is writing with it.
 */
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { count, doneEntries, parseLines, seeded } from '../support/fault.js';
import { cleanEnv, REPO_ROOT, tempProject, WG_BIN, type Project } from '../support/wg.js';

let project: Project;
const PROCESSES = 16;
const TASKS = count(2, 6);

interface Report {
  actor: string;
  won: string[];
  lost: string[];
  intruderAccepted: string[];
  errors: string[];
}

describe('16 processes racing claim, log and done', () => {
  it(
    `on ${TASKS} tasks: exactly one winner each, no lost update, no write without the lease`,
    { timeout: 180_000 },
    async () => {
      project = await tempProject();
      const ids = Array.from({ length: TASKS }, (_, i) => `race-${i}`);
      for (const id of ids) await project.ok(['add', `Race ${id}`, '--id', id]);
      await project.ok(['add', 'Shared notes', '--id', 'notes']);
      const random = seeded(TASKS);
      const shuffled = () => [...ids].sort(() => random() - 0.5);
      const reports = (
        await Promise.all(
          Array.from({ length: PROCESSES }, (_, i) =>
            execa(
              'node',
              [join(REPO_ROOT, 'test', 'support', 'contender.mjs'), WG_BIN, `p${i}`, 'notes', ...shuffled()],
              { cwd: project.dir, env: cleanEnv() },
            ),
          ),
        )
      ).map((result) => JSON.parse(result.stdout) as Report);

      expect(reports.flatMap((report) => report.errors)).toEqual([]);
      expect(reports.flatMap((report) => report.intruderAccepted)).toEqual([]);
      const tasks = new Map(parseLines(project.graphText()).map((task) => [task.id, task]));
      for (const id of ids) {
        const winners = reports.filter((report) => report.won.includes(id)).map((report) => report.actor);
        expect(winners, id).toHaveLength(1);
        const task = tasks.get(id)!;
        expect(task).toMatchObject({ status: 'done', assigned: winners[0] });
        expect(doneEntries(task)).toBe(1);
        const messages = task.log!.map((entry) => entry.message);
        // Both of the winner's lines landed (no lost update), nobody else's did.
        expect(messages.filter((m) => m.startsWith(`${winners[0]} step`))).toEqual([
          `${winners[0]} step 1`,
          `${winners[0]} step 2`,
        ]);
        expect(messages.filter((m) => / (step \d|intruding)$/.test(m) && !m.startsWith(`${winners[0]} `))).toEqual([]);
      }
      const notes = tasks
        .get('notes')!
        .log!.map((entry) => entry.message)
        .sort();
      expect(notes).toEqual(Array.from({ length: PROCESSES }, (_, i) => `p${i} was here`).sort());
    },
  );
});
