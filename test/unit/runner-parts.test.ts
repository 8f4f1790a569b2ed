import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendLog } from '../../src/graph/transitions.js';
import { GraphWriter } from '../../src/runner/graph-writer.js';
import { LineSplitter } from '../../src/process/lines.js';
import { describeOutcome, isRetryable, type Outcome } from '../../src/runner/outcome.js';
import { maskEnv, secretValues, StreamRedactor } from '../../src/runner/redact.js';
import { FileGraphStore } from '../../src/store/file/file-store.js';

describe('LineSplitter', () => {
  it('joins lines split across chunks and multi-byte characters split across bytes', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter(100, (line) => lines.push(line));
    const bytes = Buffer.from('first\r\nsecönd line\nthi');
    splitter.push(bytes.subarray(0, 11));
    splitter.push(bytes.subarray(11));
    splitter.push(Buffer.from('rd'));
    splitter.end();
    expect(lines).toEqual(['first', 'secönd line', 'third']);
  });

  it('cuts a line longer than the limit and skips the rest of it, holding no more than the limit', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter(10, (line) => lines.push(line));
    for (let i = 0; i < 1000; i++) splitter.push(Buffer.from('x'.repeat(100)));
    splitter.push(Buffer.from('\nnext\n'));
    expect(lines).toEqual([`${'x'.repeat(10)} … [line cut at 10 characters]`, 'next']);
  });
});

describe('secret redaction', () => {
  it('finds secrets by variable name and masks them in the environment record', () => {
    const env = { ANTHROPIC_API_KEY: 'sk-ant-123456', WG_TOKEN: 'tok-abcdef', PATH: '/bin', SHORT_KEY: 'abc' };
    expect(secretValues(env).sort()).toEqual(['sk-ant-123456', 'tok-abcdef']);
    expect(maskEnv(env)).toEqual({ ANTHROPIC_API_KEY: '***', WG_TOKEN: '***', PATH: '/bin', SHORT_KEY: '***' });
  });

  it('masks a secret even when a chunk boundary cuts it in two, and holds back only a possible prefix', () => {
    const redactor = new StreamRedactor(['supersecret']);
    const out = [
      redactor.push(Buffer.from('value=super')),
      redactor.push(Buffer.from('secret; done\nplain line\n')),
      redactor.end(),
    ];
    expect(Buffer.concat(out).toString()).toBe('value=***; done\nplain line\n');
    // Nothing that could start a secret is held back: a finished line is passed on at once.
    expect(new StreamRedactor(['supersecret']).push(Buffer.from('step 1\n')).toString()).toBe('step 1\n');
  });
});

describe('outcomes', () => {
  it('describes each outcome as the failure_reason people read, and retries only what may pass next time', () => {
    const cases: Array<[Outcome, string, boolean]> = [
      [{ kind: 'failed', exitCode: 3 }, 'exit code 3', true],
      [{ kind: 'timed-out', afterMs: 90_000 }, 'timed out after 1m30s', true],
      [{ kind: 'stalled', afterMs: 700 }, 'stalled: no output for 700ms', true],
      [{ kind: 'killed', signal: 'SIGKILL' }, 'killed by SIGKILL', true],
      [{ kind: 'spawn-error', message: 'spawn x ENOENT' }, 'could not start the agent: spawn x ENOENT', false],
      [
        { kind: 'verification-failed', exitCode: 1, output: 'ok\nFAIL: 2 tests' },
        'verification failed (exit code 1): FAIL: 2 tests',
        true,
      ],
      [{ kind: 'invalid-configuration', message: 'bad argv' }, 'invalid configuration: bad argv', false],
      [{ kind: 'interrupted' }, 'interrupted', false],
    ];
    for (const [outcome, text, retry] of cases) {
      expect(describeOutcome(outcome)).toBe(text);
      expect(isRetryable(outcome)).toBe(retry);
    }
  });
});

describe('GraphWriter', () => {
  it('commits changes made together in one transaction, and reports each change its own error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wg-writer-'));
    try {
      writeFileSync(join(dir, 'graph.jsonl'), '{"kind":"task","id":"a","title":"A","status":"open"}\n');
      const store = new FileGraphStore(dir);
      let transactions = 0;
      const counting = {
        load: () => store.load(),
        transact: <T>(change: Parameters<typeof store.transact<T>>[0]) => (transactions++, store.transact(change)),
      };
      const writer = new GraphWriter(counting);
      const by = { actor: 'x', now: new Date() };
      const results = await Promise.allSettled([
        writer.apply((graph) => appendLog(graph, 'a', by, 'one')),
        writer.apply((graph) => appendLog(graph, 'missing', by, 'two')),
        writer.apply((graph) => appendLog(graph, 'a', by, 'three')),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(transactions).toBe(1);
      const log = (await store.load()).tasks.get('a')!.log!.map((entry) => entry.message);
      expect(log).toEqual(['one', 'three']);
      expect((await writer.snapshot()).tasks.get('a')!.log).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the environment sent to a process spawner', () => {
  it('is sent as how it differs from the one before, and rebuilt exactly, unset variables included', async () => {
    const { applyEnvChange, envChange } = await import('../../src/process/protocol.js');
    const first = { PATH: '/bin', WG_TASK_ID: 'a', SECRET: 'x', GONE: undefined };
    const second = { PATH: '/bin', WG_TASK_ID: 'b', EXTRA: '1' };
    const sent1 = envChange({}, first);
    const sent2 = envChange(first, second);
    expect(sent2).toEqual({ set: { WG_TASK_ID: 'b', EXTRA: '1' }, unset: ['SECRET'] });
    const rebuilt1 = applyEnvChange({}, sent1);
    expect(rebuilt1).toEqual({ PATH: '/bin', WG_TASK_ID: 'a', SECRET: 'x' });
    expect(applyEnvChange(rebuilt1, sent2)).toEqual(second);
  });
});
