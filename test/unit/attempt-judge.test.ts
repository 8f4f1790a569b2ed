/** The verdict on an attempt (src/runner/attempt/judge.ts), from literal evidence: no process, no disk. */
import { describe, expect, it } from 'vitest';
import { judge, judgeCheck, underStop, type Evidence } from '../../src/runner/attempt/judge.js';
import type { Outcome } from '../../src/runner/outcome.js';

const clean: Evidence = { end: { kind: 'exited', exitCode: 0 }, spentUsd: 0 };

describe('judge', () => {
  it('reads how the process ended when the agent asked for nothing', () => {
    const cases: Array<[Evidence['end'], Outcome]> = [
      [{ kind: 'exited', exitCode: 0 }, { kind: 'succeeded' }],
      [
        { kind: 'exited', exitCode: 3 },
        { kind: 'failed', exitCode: 3, reason: undefined },
      ],
      [
        { kind: 'signalled', signal: 'SIGKILL' },
        { kind: 'killed', signal: 'SIGKILL' },
      ],
      [
        { kind: 'spawn-error', message: 'spawn x ENOENT' },
        { kind: 'spawn-error', message: 'spawn x ENOENT' },
      ],
      [
        { kind: 'timed-out', afterMs: 500 },
        { kind: 'timed-out', afterMs: 500 },
      ],
      [
        { kind: 'stalled', afterMs: 700 },
        { kind: 'stalled', afterMs: 700 },
      ],
      [{ kind: 'interrupted' }, { kind: 'interrupted' }],
      [{ kind: 'halted' }, { kind: 'failed', exitCode: -1, reason: 'stopped by the runner' }],
    ];
    for (const [end, outcome] of cases) expect(judge({ ...clean, end })).toEqual(outcome);
  });

  it("takes the agent's own failure over a clean exit, and its reason over a bare exit code", () => {
    const result = { type: 'result', ok: false, reason: 'tests failed' } as const;
    expect(judge({ ...clean, result })).toEqual({ kind: 'failed', exitCode: 0, reason: 'tests failed' });
    expect(judge({ ...clean, result: { type: 'result', ok: false } })).toEqual({
      kind: 'failed',
      exitCode: 0,
      reason: 'the agent reported an error',
    });
    expect(judge({ ...clean, end: { kind: 'exited', exitCode: 2 }, result })).toEqual({
      kind: 'failed',
      exitCode: 2,
      reason: 'tests failed',
    });
  });

  it('explains a halted agent by what it asked for, unless the run was interrupted', () => {
    const halted: Evidence['end'] = { kind: 'halted' };
    expect(
      judge({
        ...clean,
        end: halted,
        halt: { type: 'halt', kind: 'permission-denied', request: 'bash (rm -rf /)', rule: 'Bash(rm:*)' },
        tools: ['Read'],
      }),
    ).toEqual({ kind: 'permission-denied', request: 'bash (rm -rf /)', rule: 'Bash(rm:*)', tools: ['Read'] });
    expect(
      judge({
        ...clean,
        end: halted,
        halt: { type: 'halt', kind: 'rate-limited', request: '429', resetAt: '2026-12-01T11:00:00Z' },
      }),
    ).toEqual({ kind: 'rate-limited', detail: '429', resetAt: '2026-12-01T11:00:00Z' });
    expect(judge({ ...clean, end: halted, halt: { type: 'halt', kind: 'input-required', request: 'login' } })).toEqual({
      kind: 'input-required',
      request: 'login',
    });
    expect(
      judge({
        ...clean,
        end: { kind: 'interrupted' },
        halt: { type: 'halt', kind: 'input-required', request: 'login' },
      }),
    ).toEqual({ kind: 'interrupted' });
  });

  it("counts a budget halt against the task's whole cap, earlier attempts included", () => {
    const halt = { type: 'halt', kind: 'budget-exhausted', request: 'spent $0.4' } as const;
    expect(
      judge({ ...clean, end: { kind: 'halted' }, halt, spentUsd: 0.4, allowance: { capUsd: 1, spentBeforeUsd: 0.6 } }),
    ).toEqual({ kind: 'budget-exhausted', spentUsd: 1, capUsd: 1 });
  });

  it('fails a clean run that left a declared deliverable unwritten, before its check is asked', () => {
    const check: Outcome = { kind: 'succeeded' };
    expect(judge({ ...clean, missingDeliverables: ['out.txt'], check })).toEqual({
      kind: 'missing-deliverable',
      files: ['out.txt'],
    });
    expect(judge({ ...clean, missingDeliverables: [] })).toEqual({ kind: 'succeeded' });
  });

  it('lets the check decide a clean run, and only a clean run', () => {
    const failedCheck: Outcome = { kind: 'verification-failed', exitCode: 1, output: 'FAIL', log: 'verify.log' };
    expect(judge({ ...clean, missingDeliverables: [], check: failedCheck })).toEqual(failedCheck);
    expect(judge({ ...clean, end: { kind: 'exited', exitCode: 1 }, check: failedCheck })).toMatchObject({
      kind: 'failed',
    });
  });
});

describe('judgeCheck', () => {
  const check = { command: 'npm test', tail: ['ok 1', 'not ok 2'], log: '/runs/a/1/verify.log' };

  it("tells a check that failed from one that could not run (sh's 126 and 127)", () => {
    expect(judgeCheck({ kind: 'exited', exitCode: 0 }, check)).toEqual({ kind: 'succeeded' });
    expect(judgeCheck({ kind: 'exited', exitCode: 1 }, check)).toEqual({
      kind: 'verification-failed',
      exitCode: 1,
      output: 'ok 1\nnot ok 2',
      log: check.log,
    });
    expect(judgeCheck({ kind: 'exited', exitCode: 127 }, check)).toEqual({
      kind: 'verify-cannot-run',
      exitCode: 127,
      command: 'npm test',
      output: 'ok 1\nnot ok 2',
    });
    expect(judgeCheck({ kind: 'spawn-error', message: 'spawn sh ENOENT' }, check)).toEqual({
      kind: 'verify-cannot-run',
      exitCode: -1,
      command: 'npm test',
      output: 'spawn sh ENOENT',
    });
  });

  it('says a check timed out below its last lines, and passes an interrupt on', () => {
    expect(judgeCheck({ kind: 'timed-out', afterMs: 3000 }, check)).toEqual({
      kind: 'verification-failed',
      exitCode: -1,
      output: 'ok 1\nnot ok 2\nverify timed out after 3s',
      log: check.log,
    });
    expect(judgeCheck({ kind: 'interrupted' }, check)).toEqual({ kind: 'interrupted' });
    expect(judgeCheck({ kind: 'signalled', signal: 'SIGKILL' }, check)).toEqual({
      kind: 'verification-failed',
      exitCode: -1,
      output: 'verify ended by signalled',
    });
  });
});

describe('underStop', () => {
  it('turns every end but a success or a rate limit into an interruption while the run stops', () => {
    const failed: Outcome = { kind: 'failed', exitCode: 1 };
    expect(underStop(failed, true)).toEqual({ kind: 'interrupted' });
    expect(underStop(failed, false)).toEqual(failed);
    expect(underStop({ kind: 'succeeded' }, true)).toEqual({ kind: 'succeeded' });
    expect(underStop({ kind: 'rate-limited', detail: '429' }, true)).toEqual({ kind: 'rate-limited', detail: '429' });
  });
});
