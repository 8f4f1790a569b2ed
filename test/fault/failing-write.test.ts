/**
 * A write that fails mid-run. Tests run as root here, where chmod stops nothing, so
 * the failure is made with the immutable attribute (chattr +i), which binds root too:
 *  - on graph.jsonl: the runner's transactions still go to graph.journal, until it
 *    folds the journal in (within seconds): the temp file is created and written, and
 *    the final rename over graph.jsonl fails (EPERM), the last step of an atomic write;
 *  - on the .workgraph folder: nothing can be created in it, not even the lock.
 * Either way the previous graph must stay intact, the runner must say so and exit 1
 * by itself, leave no temp file, lock or agent behind, and a later run must finish.
 * Skipped (with a warning) where chattr is refused: not root, or a filesystem
 * without the attribute (tmpfs, overlayfs on some kernels).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/fake.js';
import { dagGraph, doneEntries, parseLines, processesOf, setConfig } from '../support/fault.js';
import { cleanEnv, tempProject, WG_BIN, type Project } from '../support/wg.js';

function chattrWorks(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'wg-chattr-'));
  const file = join(dir, 'probe');
  writeFileSync(file, '');
  try {
    execFileSync('chattr', ['+i', file], { stdio: 'ignore' });
    execFileSync('chattr', ['-i', file], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const supported = chattrWorks();
if (!supported) console.warn('SKIPPED failing-write tests: chattr +i is refused here (needs root and ext4/xfs/btrfs)');

let project: Project;
let immutable: string | undefined;
afterEach(() => {
  if (immutable) execFileSync('chattr', ['-i', immutable]);
  immutable = undefined;
});

const TASKS = 40;
const doneCount = () => parseLines(project.graphNow()).filter((task) => task.status === 'done').length;

describe.skipIf(!supported)('a graph write that fails mid-run', () => {
  for (const target of ['graph.jsonl', 'the .workgraph folder'] as const) {
    // Generous timeout: whole wg processes are slow when the 2-core machine is busy.
    it(
      `(${target} made immutable) leaves the previous graph intact; the runner reports it and stops`,
      { timeout: 120_000 },
      async () => {
        project = await tempProject();
        const workgraphDir = join(project.dir, '.workgraph');
        setConfig(
          workgraphDir,
          '[defaults]\nmax_retries = 5\n\n[run]\nparallel = 2\ngrace = "300ms"\nretry_backoff = "10ms"\nmax_steps = 1\n',
        );
        project.writeGraph(dagGraph(TASKS, (id) => `echo ${id} >> ran.log; sleep 0.05`));
        const runner = execa('node', [WG_BIN, 'run'], { cwd: project.dir, env: cleanEnv(), reject: false });
        await waitFor(() => doneCount() >= 3, 'three tasks done');
        immutable = target === 'graph.jsonl' ? project.graphPath : workgraphDir;
        execFileSync('chattr', ['+i', immutable]);
        // From here on nothing can change the file, so this is the graph that must survive.
        const intact = project.graphText();
        const result = await runner;
        expect(result.exitCode, result.stdout).toBe(1);
        // Reported in lines of its own, not as a crash with a stack trace.
        expect(result.stderr).not.toMatch(/^\s+at /m);
        expect(result.stdout).toMatch(
          /stopped: writing the graph failed \(.*(EPERM|operation not permitted).*\); the graph on disk holds every change up to the last complete write/i,
        );
        expect(project.graphText() === intact).toBe(true);
        expect(parseLines(intact)).toHaveLength(TASKS);
        // No temp file may be left, except in an immutable folder (nothing can be unlinked there):
        // the lock, and the temp file of a write the folder froze under. The owner is gone, so the
        // next run below must take the lock over at once, and clear the rest. The journal is no
        // temp file: it holds changes committed since graph.jsonl was last written, and the next
        // run folds it in.
        const leftovers = () =>
          readdirSync(workgraphDir).filter((name) => name.startsWith('graph.') && name !== 'graph.jsonl');
        const frozenInPlace = (name: string) =>
          name === 'graph.journal' ||
          (target !== 'graph.jsonl' && (name === 'graph.lock' || /^graph\.jsonl\.\d+$/.test(name)));
        expect(leftovers().filter((name) => !frozenInPlace(name))).toEqual([]);
        expect(processesOf(workgraphDir)).toEqual([]);

        execFileSync('chattr', ['-i', immutable]);
        immutable = undefined;
        const again = await project.wg(['run']);
        expect(again.exitCode, again.stdout + again.stderr).toBe(0);
        const tasks = parseLines(project.graphText());
        for (const task of tasks) expect([task.status, doneEntries(task)], task.id).toEqual(['done', 1]);
        expect(leftovers()).toEqual([]);
      },
    );
  }
});
