/**
 * Several runners on one PostgreSQL graph, as on several machines: leases that expire
 * when a runner stops renewing them, a survivor that waits for the others' work (woken
 * by LISTEN/NOTIFY) and takes over what expired, and a runner that outlives its
 * connections being cut. Real server, real processes; nothing mocked.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, eventually, logCounts, query, storedTasks, type TestDatabase } from '../support/postgres.js';
import { cleanEnv, runWg, WG_BIN } from '../support/wg.js';

const databases: TestDatabase[] = [];
const folders: string[] = [];
const processes: ResultPromise[] = [];
afterEach(async () => {
  for (const child of processes.splice(0)) child.kill('SIGKILL');
  for (const database of databases.splice(0)) await database.drop();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A folder joined to the database's graph, its leases lasting `leaseTtl`. */
async function runnerFolder(url: string, leaseTtl: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'wg-pg-runner-'));
  folders.push(dir);
  const init = await runWg(['init', '--store', url], { cwd: dir });
  expect(init.exitCode, init.stderr).toBe(0);
  const config = join(dir, '.workgraph', 'config.toml');
  writeFileSync(
    config,
    readFileSync(config, 'utf8').replace(/^url = .*$/m, (line) => `${line}\nlease_ttl = "${leaseTtl}"`),
  );
  return dir;
}

function startRun(dir: string, args: string[], prefix: string[] = []): ResultPromise {
  const [command, ...rest] = prefix.length > 0 ? prefix : ['node'];
  const child = execa(command!, [...rest, ...(prefix.length > 0 ? ['node'] : []), WG_BIN, 'run', '--json', ...args], {
    cwd: dir,
    env: cleanEnv(),
    reject: false,
  });
  processes.push(child);
  return child;
}

/**
 * `wg run` as if on another machine: in a pid namespace of its own, where it is pid 1
 * and its pid means nothing to runners outside, as on another host.
 */
function startRunElsewhere(dir: string, args: string[]): ResultPromise {
  return startRun(dir, args, ['unshare', '--pid', '--fork', '--mount-proc']);
}

/** That machine dies: its runner (pid 1 of the namespace) is killed -9, and the kernel takes every process in it along. */
async function killMachine(runner: ResultPromise): Promise<void> {
  const { stdout } = await execa('pgrep', ['-P', String(runner.pid)]);
  process.kill(Number(stdout.trim()), 'SIGKILL');
  await runner;
}

describe('runners on several machines sharing one PostgreSQL graph', () => {
  it('one killed -9 mid-run: the other waits for its tasks, takes them over when their leases expire, and every task ends done once', async () => {
    const db = await createDatabase();
    databases.push(db);
    const machineA = await runnerFolder(db.url, '4s');
    const machineB = await runnerFolder(db.url, '4s');
    const ids = Array.from({ length: 8 }, (_, i) => `t${i + 1}`);
    // Machine A never finishes a task (so it surely holds some when it dies); anywhere else a task takes 0.3 s.
    writeFileSync(join(machineA, '.machine-a'), '');
    const work = 'if [ -e .machine-a ]; then sleep 600; else sleep 0.3; fi';
    for (const id of ids)
      expect((await runWg(['add', id, '--id', id, '--exec', work], { cwd: machineA })).exitCode).toBe(0);
    expect(
      (await runWg(['add', 'Last', '--id', 'last', '--blocked-by', ids.join(','), '--exec', 'true'], { cwd: machineA }))
        .exitCode,
    ).toBe(0);

    // Machine A's runner lives in a pid namespace of its own: to machine B its pid means
    // nothing, as on another host, so only the expiry of its leases can free its tasks.
    const runnerA = startRunElsewhere(machineA, ['--parallel', '2']);
    const inProgress = async () => (await storedTasks(db.url)).filter((task) => task.status === 'in-progress');
    const namespaceA = await eventually(async () => {
      const running = await inProgress();
      return running.length === 2 && running[0]!.claim?.pid_ns;
    }, 'runner A to claim two tasks');
    const runnerB = startRun(machineB, ['--parallel', '2']);
    await eventually(
      async () => (await inProgress()).some((task) => task.claim?.pid_ns !== namespaceA),
      'runner B to claim a task',
    );

    await killMachine(runnerA);
    const held = (await inProgress()).filter((task) => task.claim?.pid_ns === namespaceA).map((task) => task.id);
    expect(held).toHaveLength(2);

    const result = await runnerB;
    expect(result.exitCode, String(result.stdout) + String(result.stderr)).toBe(0);
    const events = String(result.stdout)
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { type: string; task?: string; reason?: string; message?: string });
    const tasks = await storedTasks(db.url);
    expect(tasks.map((task) => task.status)).toEqual(Array(ids.length + 1).fill('done'));
    // Recorded done once each, however many runners touched it.
    const done = await logCounts(db.url, 'done');
    expect([...ids, 'last'].map((id) => done.get(id))).toEqual(Array(ids.length + 1).fill(1));
    // Runner A's tasks were taken over for the lapse of their leases, as their logs and B's events say.
    const takenOver = events.filter((event) => event.type === 'recovered').map((event) => event.task);
    expect(takenOver.sort()).toEqual([...held].sort());
    for (const id of held) {
      const log = await query<Array<{ message: string }>>(
        db.url,
        `SELECT entry->>'message' AS message FROM wg_log WHERE task_id = '${id}' ORDER BY seq`,
      );
      expect(log.map((row) => row.message).join('\n')).toMatch(
        /lease of the runner \(pid 1 on .*\) expired at .* without renewal; taken over by runner/,
      );
    }
  });

  it('a runner whose work waits on a live runner is woken by its change, not by the lease running out', async () => {
    const db = await createDatabase();
    databases.push(db);
    const machineA = await runnerFolder(db.url, '60s');
    const machineB = await runnerFolder(db.url, '60s');
    // slow holds its lease until the test releases it, once runner B has said it waits (no race with B's start-up).
    const release = join(machineA, 'release');
    // Bounded (60 s), so a failing test leaves no process behind.
    const waitForRelease = `for i in $(seq 1200); do [ -e ${release} ] && exit 0; sleep 0.05; done; exit 1`;
    expect((await runWg(['add', 'Slow', '--id', 'slow', '--exec', waitForRelease], { cwd: machineA })).exitCode).toBe(
      0,
    );
    expect(
      (await runWg(['add', 'After', '--id', 'after', '--blocked-by', 'slow', '--exec', 'true'], { cwd: machineA }))
        .exitCode,
    ).toBe(0);
    const runnerA = startRun(machineA, ['slow']);
    const held = await eventually(
      async () => (await storedTasks(db.url)).find((task) => task.id === 'slow' && task.status === 'in-progress'),
      'runner A to claim slow',
    );
    const runnerB = startRun(machineB, []);
    let seen = '';
    runnerB.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('other runners hold: slow')) writeFileSync(release, '');
    });
    const result = await runnerB;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect((await runnerA).exitCode).toBe(0);
    const events = String(result.stdout)
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { at: string; type: string; task?: string; message?: string });
    expect(events.filter((event) => event.type === 'notice').map((event) => event.message)).toContainEqual(
      expect.stringMatching(/^waiting for 1 task\(s\) other runners hold: slow \(/),
    );
    expect(events.filter((event) => event.type === 'start').map((event) => event.task)).toEqual(['after']);
    // Woken when slow was recorded done: after started before slow's lease (60 s) could have lapsed.
    const afterStarted = events.find((event) => event.type === 'start' && event.task === 'after')!.at;
    expect(Date.parse(afterStarted)).toBeLessThan(Date.parse(held.claim!.expires!));
    expect((await storedTasks(db.url)).map((task) => task.status)).toEqual(['done', 'done']);
  });

  it('connections cut mid-run (pg_terminate_backend): the runner reconnects and finishes, nothing lost or done twice', async () => {
    const db = await createDatabase();
    databases.push(db);
    const dir = await runnerFolder(db.url, '60s');
    const ids = Array.from({ length: 6 }, (_, i) => `c${i + 1}`);
    for (const [i, id] of ids.entries()) {
      const blockedBy = i > 0 ? ['--blocked-by', ids[i - 1]!] : [];
      expect(
        (
          await runWg(['add', id, '--id', id, ...blockedBy, '--exec', `sleep 0.3; wg log ${id} "step ${id} ran"`], {
            cwd: dir,
          })
        ).exitCode,
      ).toBe(0);
    }
    const runner = startRun(dir, []);
    let output = '';
    runner.stdout?.on('data', (chunk) => (output += String(chunk)));
    runner.stderr?.on('data', (chunk) => (output += String(chunk)));
    // Cut every wg connection each time another task is done, three times over.
    for (const doneCount of [1, 3, 5]) {
      await eventually(
        async () => (await storedTasks(db.url)).filter((task) => task.status === 'done').length >= doneCount,
        `${doneCount} task(s) done`,
      ).catch((error: Error) => {
        throw new Error(`${error.message}; the runner printed:\n${output}`);
      });
      const cut = await query<Array<{ cut: boolean }>>(
        db.url,
        `SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity WHERE datname = '${db.name}' AND application_name = 'wg'`,
      );
      expect(cut.length).toBeGreaterThan(0);
    }
    const result = await runner;
    expect(result.exitCode, String(result.stdout) + String(result.stderr)).toBe(0);
    expect((await storedTasks(db.url)).map((task) => task.status)).toEqual(Array(ids.length).fill('done'));
    const done = await logCounts(db.url, 'done');
    expect(ids.map((id) => done.get(id))).toEqual(Array(ids.length).fill(1));
    for (const id of ids) expect((await logCounts(db.url, `step ${id} ran`)).get(id)).toBe(1);
  });

  it('a server that stays away: the runner stops with one clear line, and the lease it held lapses for the next runner', async () => {
    const db = await createDatabase();
    databases.push(db);
    const dir = await runnerFolder(db.url, '2s');
    expect((await runWg(['add', 'Long', '--id', 'long', '--exec', 'sleep 2'], { cwd: dir })).exitCode).toBe(0);
    const runner = startRun(dir, [], []);
    await eventually(
      async () => (await storedTasks(db.url)).find((task) => task.status === 'in-progress'),
      'the runner to claim long',
    );
    // The database is taken away for good (as a dropped server would be): every reconnect is refused.
    await query(db.url.replace(/\/[^/]+$/, '/postgres'), `ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS false`);
    await query(
      db.url.replace(/\/[^/]+$/, '/postgres'),
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db.name}'`,
    );
    const result = await runner;
    expect(result.exitCode).not.toBe(0);
    const errors = String(result.stderr).trim().split('\n');
    expect(errors.at(-1), String(result.stderr)).toMatch(/^error: PostgreSQL at .*: /);
    await query(db.url.replace(/\/[^/]+$/, '/postgres'), `ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS true`);
    const next = await runWg(['run', '--json'], { cwd: dir });
    expect(next.exitCode, next.stderr).toBe(0);
    expect((await storedTasks(db.url)).map((task) => task.status)).toEqual(['done']);
  });

  it("a busy runner takes over a dead runner's lapsed lease at its next renewal, before its own work runs out", async () => {
    const db = await createDatabase();
    databases.push(db);
    // 6 s leases: B must start while A's still holds, however slowly a loaded machine starts it.
    const machineA = await runnerFolder(db.url, '6s');
    const machineB = await runnerFolder(db.url, '6s');
    // Runner B's own work: a chain that keeps it busy well past the lapse of A's lease.
    const chain = Array.from({ length: 11 }, (_, i) => `b${i + 1}`);
    for (const [i, id] of chain.entries()) {
      const after = i > 0 ? ['--blocked-by', chain[i - 1]!] : [];
      expect((await runWg(['add', id, '--id', id, ...after, '--exec', 'sleep 1'], { cwd: machineB })).exitCode).toBe(0);
    }
    // Long on machine A (which dies), quick wherever it runs again.
    writeFileSync(join(machineA, '.machine-a'), '');
    expect(
      (
        await runWg(['add', 'Orphan', '--id', 'orphan', '--exec', 'if [ -e .machine-a ]; then sleep 600; fi'], {
          cwd: machineA,
        })
      ).exitCode,
    ).toBe(0);
    const runnerA = startRunElsewhere(machineA, ['orphan']);
    await eventually(
      async () => (await storedTasks(db.url)).find((task) => task.id === 'orphan' && task.status === 'in-progress'),
      'runner A to claim orphan',
    );
    await killMachine(runnerA);
    // B starts while A's lease still holds, so B takes it over only at a renewal, mid-run.
    const result = await startRun(machineB, ['--parallel', '1']);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const events = String(result.stdout)
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { type: string; task?: string });
    const takenAt = events.findIndex((event) => event.type === 'recovered' && event.task === 'orphan');
    const lastOwnEnd = events.findLastIndex((event) => event.type === 'end' && event.task === chain.at(-1));
    expect(takenAt).toBeGreaterThan(events.findIndex((event) => event.type === 'start' && event.task === 'b1'));
    expect(takenAt).toBeLessThan(lastOwnEnd);
    expect((await storedTasks(db.url)).map((task) => task.status)).toEqual(Array(chain.length + 1).fill('done'));
  });
});
