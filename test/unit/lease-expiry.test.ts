/** Leases that lapse: renewal by the holder only, expiry judged by others, and the soonest expiry to wait for. */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/graph/model.js';
import type { Claim, Task } from '../../src/graph/schema.js';
import { claimTask, renewLeases } from '../../src/graph/transitions.js';
import { nextExpiry, orphanReason, recoverOrphans } from '../../src/runner/recovery.js';
import type { ProcessIdentity } from '../../src/system/process.js';

const at = (second: number) => new Date(Date.UTC(2026, 10, 30, 10, 0, second));
/** Runners on other machines: their pids mean nothing here, so only expiry can free their tasks. */
const runnerA: ProcessIdentity = { pid: 4242, host: 'machine-a', pid_start: '100', pid_ns: 'pid:[1]' };
const runnerB: ProcessIdentity = { pid: 4242, host: 'machine-b', pid_start: '100', pid_ns: 'pid:[1]' };

function graphOf(ids: string[]): Graph {
  return {
    tasks: new Map(ids.map((id): [string, Task] => [id, { id, title: id, status: 'open' }])),
    actors: new Map(),
    resources: new Map(),
  };
}

function claimAs(graph: Graph, id: string, holder: ProcessIdentity, second: number, ttlSeconds: number): Claim {
  return claimTask(
    graph,
    id,
    { actor: holder.host, now: at(second) },
    { tokenHash: 'sha256:x', process: holder, expires: at(second + ttlSeconds) },
  ).claim!;
}

describe('lease expiry', () => {
  it('records the expiry and the holder (with its pid namespace) in the claim', () => {
    const graph = graphOf(['t']);
    expect(claimAs(graph, 't', runnerA, 0, 60)).toMatchObject({
      pid: 4242,
      host: 'machine-a',
      pid_ns: 'pid:[1]',
      expires: at(60).toISOString(),
    });
  });

  it('renews only the leases its holder holds', () => {
    const graph = graphOf(['mine', 'theirs']);
    claimAs(graph, 'mine', runnerA, 0, 60);
    claimAs(graph, 'theirs', runnerB, 0, 60);
    expect(renewLeases(graph, runnerA, at(120))).toEqual(['mine']);
    expect(graph.tasks.get('mine')!.claim!.expires).toBe(at(120).toISOString());
    expect(graph.tasks.get('theirs')!.claim!.expires).toBe(at(60).toISOString());
  });

  it('an unexpired lease of another machine is not an orphan; an expired one is, but never to its own holder', () => {
    const graph = graphOf(['t']);
    const claim = claimAs(graph, 't', runnerA, 0, 60);
    expect(orphanReason(claim, at(59), runnerB)).toBeUndefined();
    expect(orphanReason(claim, at(61), runnerB)).toMatch(
      /^lease of the runner \(pid 4242 on machine-a\) expired at .* without renewal$/,
    );
    expect(orphanReason(claim, at(61), runnerA)).toBeUndefined();
    // A person's claim (no expiry, no process) never lapses.
    const person = claimTask(graphOf(['p']), 'p', { actor: 'alice', now: at(0) }, { tokenHash: 'sha256:y' }).claim!;
    expect(orphanReason(person, at(100_000), runnerB)).toBeUndefined();
  });

  it('the soonest expiry among the other runners, and the takeover logged as such', () => {
    const graph = graphOf(['a1', 'a2', 'b1']);
    claimAs(graph, 'a1', runnerA, 0, 90);
    claimAs(graph, 'a2', runnerA, 0, 30);
    claimAs(graph, 'b1', runnerB, 0, 10);
    expect(nextExpiry(graph, runnerB)).toBe(at(30).getTime());
    const recovered = recoverOrphans(graph, ['a1', 'a2', 'b1'], { actor: 'runner', now: at(45) }, 2, runnerB);
    expect(recovered.map((item) => item.task)).toEqual(['a2']);
    expect(graph.tasks.get('a2')!.status).toBe('open');
    expect(graph.tasks.get('a2')!.log!.at(-1)!.message).toMatch(
      /expired at .* without renewal; taken over by runner; reopened/,
    );
    expect(graph.tasks.get('a1')!.status).toBe('in-progress');
  });
});
