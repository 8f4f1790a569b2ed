import { describe, expect, it } from 'vitest';
import { toolCallKey } from '../../src/protocol/tool-call-key.js';
import { judge } from '../../src/runner/attempt/judge.js';
import { LoopDetector } from '../../src/runner/attempt/loop-detector.js';
import { describeOutcome, isRetryable, retryFrom } from '../../src/runner/outcome.js';

const call = (name: string, summary: string, input?: unknown) => ({
  type: 'tool' as const,
  name,
  summary,
  ...(input === undefined ? {} : { input: toolCallKey(input) }),
});

describe('the loop detector', () => {
  it('finds a loop on the call that makes five in a row, once', () => {
    const detector = new LoopDetector(5);
    const found = Array.from({ length: 7 }, () => detector.offer(call('Bash', 'npm test')));
    expect(found.slice(0, 4)).toEqual([undefined, undefined, undefined, undefined]);
    expect(found[4]).toEqual({ tool: 'Bash', summary: 'npm test', times: 5 });
    expect(found.slice(5)).toEqual([undefined, undefined]);
  });

  it('starts counting again when another call comes between', () => {
    const detector = new LoopDetector(3);
    expect(detector.offer(call('Bash', 'ls'))).toBeUndefined();
    expect(detector.offer(call('Bash', 'ls'))).toBeUndefined();
    expect(detector.offer(call('Read', 'ls'))).toBeUndefined();
    expect(detector.offer(call('Bash', 'ls'))).toBeUndefined();
    expect(detector.offer(call('Bash', 'ls'))).toBeUndefined();
    expect(detector.offer(call('Bash', '  ls '))).toEqual({ tool: 'Bash', summary: '  ls ', times: 3 });
  });

  it('tells calls apart by their whole input when the backend gives its key, not by the summary', () => {
    const detector = new LoopDetector(2);
    expect(detector.offer(call('Edit', 'src/a.ts', { file_path: 'src/a.ts', new_string: 'one' }))).toBeUndefined();
    expect(detector.offer(call('Edit', 'src/a.ts', { file_path: 'src/a.ts', new_string: 'two' }))).toBeUndefined();
    // The same input, its fields in another order and its spacing changed: the same call.
    expect(detector.offer(call('Edit', 'src/a.ts', { new_string: 'two ', file_path: 'src/a.ts' }))).toEqual({
      tool: 'Edit',
      summary: 'src/a.ts',
      times: 2,
    });
  });

  it('never finds one with the limit 0', () => {
    const detector = new LoopDetector(0);
    for (let i = 0; i < 20; i++) expect(detector.offer(call('Bash', 'ls'))).toBeUndefined();
  });
});

describe('the looping outcome', () => {
  const looping = { kind: 'looping' as const, tool: 'bash', call: 'cat README.md', times: 5 };
  it('names the repeated call, for the retry prompt', () => {
    expect(describeOutcome(looping)).toContain('the same call 5 times in a row and was stopped: bash cat README.md');
  });
  it('is retried from a clean tree', () => {
    expect(isRetryable(looping)).toBe(true);
    expect(retryFrom(looping)).toBe('clean');
  });
});

describe('judging a stopped loop', () => {
  const loop = { tool: 'bash', summary: 'ls', times: 5 };
  it('is looping when the runner stopped the agent for it', () => {
    expect(judge({ end: { kind: 'halted' }, loop, spentUsd: 0 })).toEqual({
      kind: 'looping',
      tool: 'bash',
      call: 'ls',
      times: 5,
    });
  });
  it('is interrupted when Ctrl-C stopped the run meanwhile', () => {
    expect(judge({ end: { kind: 'interrupted' }, loop, spentUsd: 0 })).toEqual({ kind: 'interrupted' });
  });
});
