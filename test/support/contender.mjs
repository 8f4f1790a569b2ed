// One contender in test/fault/race.test.ts. For each task id (in the order given) it
// tries `wg claim`; the winner logs two lines with its token and finishes the task;
// a loser tries (once) to log and finish without the lease (both must be refused). It also
// logs once on the shared, never-claimed task. Prints one JSON report on stdout.
// Usage: node contender.mjs WG_BIN ACTOR SHARED_TASK ID...
import { spawnSync } from 'node:child_process';

const [wgBin, actor, shared, ...ids] = process.argv.slice(2);
const env = { ...process.env, WG_ACTOR: actor, NO_COLOR: '1' };
delete env.WG_TASK_ID;
delete env.WG_TOKEN;
const wg = (args, extra = {}) =>
  spawnSync(process.execPath, [wgBin, ...args], { env: { ...env, ...extra }, encoding: 'utf8' });

const report = { actor, won: [], lost: [], intruderAccepted: [], errors: [] };
const sharedLog = wg(['log', shared, `${actor} was here`]);
if (sharedLog.status !== 0) report.errors.push(`shared log: ${sharedLog.stderr}`);
for (const id of ids) {
  const claim = wg(['claim', id, '--json']);
  if (claim.status === 0) {
    const lease = { WG_TASK_ID: id, WG_TOKEN: JSON.parse(claim.stdout).token };
    report.won.push(id);
    for (const args of [
      ['log', id, `${actor} step 1`],
      ['log', id, `${actor} step 2`],
      ['done', id],
    ]) {
      const result = wg(args, lease);
      if (result.status !== 0) report.errors.push(`${args.join(' ')}: ${result.stderr}`);
    }
  } else {
    if (!/already claimed|stale attempt|cannot claim/.test(claim.stderr))
      report.errors.push(`claim ${id}: ${claim.stderr}`);
    report.lost.push(id);
    // Without the lease (a made-up token), neither a log line nor done may land. Once per
    // contender is enough (and keeps the test's process count, hence its time, down).
    if (report.lost.length === 1)
      for (const args of [
        ['log', id, `${actor} intruding`],
        ['done', id],
      ]) {
        if (wg(args, { WG_TASK_ID: id, WG_TOKEN: 'not-the-token' }).status === 0)
          report.intruderAccepted.push(`${args[0]} ${id}`);
      }
  }
}
process.stdout.write(`${JSON.stringify(report)}\n`);
