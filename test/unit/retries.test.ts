/** Pure parts of "failures that will repeat are not retried": outcomes, tool rules, removal, reset. */
import { describe, expect, it } from 'vitest';
import { anthropicBashRules } from '../../src/backends/anthropic.js';
import { allowsAnyBash, bashRuleFor, refusedPart, ruleForCall } from '../../src/protocol/tool-rules.js';
import { TransitionError } from '../../src/errors.js';
import { emptyGraph, type Graph } from '../../src/graph/model.js';
import { removeTask } from '../../src/graph/remove.js';
import type { Task } from '../../src/graph/schema.js';
import { claimTask, failTask, retryTask, type Caller } from '../../src/graph/transitions.js';
import { buildPrompt } from '../../src/prompt/build.js';
import { describeOutcome, isRetryable, remedyFor, retryFrom, type Outcome } from '../../src/runner/outcome.js';
import { refusalPolicy } from '../../src/runner/refusals.js';

const by: Caller = { actor: 'tester', now: new Date('2026-12-01T10:00:00Z'), force: true };

function graphOf(...tasks: Array<Partial<Task> & { id: string }>): Graph {
  const graph = emptyGraph();
  for (const task of tasks) graph.tasks.set(task.id, { title: task.id, status: 'open', ...task } as Task);
  return graph;
}

describe('which outcomes are retried', () => {
  it('a check that cannot run never is; one that ran and failed is', () => {
    expect(
      isRetryable({ kind: 'verify-cannot-run', exitCode: 127, command: 'npx avaa', output: 'sh: 1: npx: not found' }),
    ).toBe(false);
    expect(isRetryable({ kind: 'verification-failed', exitCode: 1, output: 'AssertionError' })).toBe(true);
  });

  it('a refused call is retried only once the task grants something else than the attempt had', () => {
    const denied: Outcome = {
      kind: 'permission-denied',
      request: 'Bash (npx ava)',
      rule: 'Bash(npx ava:*)',
      tools: ['Read', 'Bash(npm test:*)'],
    };
    expect(isRetryable(denied)).toBe(false);
    expect(isRetryable(denied, { tools: ['Bash(npm test:*)', 'Read', 'Read'] })).toBe(false);
    expect(isRetryable(denied, { tools: ['Read', 'Bash(npm test:*)', 'Bash(npx ava:*)'] })).toBe(true);
    const noTools: Outcome = { kind: 'permission-denied', request: 'Write (x)' };
    expect(isRetryable(noTools, {})).toBe(false);
    expect(isRetryable(noTools, { tools: ['Write'] })).toBe(true);
  });

  it('says what each retry starts from: the table, and [run] retry_from over it', () => {
    const checkFailed: Outcome = { kind: 'verification-failed', exitCode: 1, output: 'AssertionError' };
    const conflict: Outcome = { kind: 'merge-conflict', files: ['a.txt'] };
    const timedOut: Outcome = { kind: 'timed-out', afterMs: 1000 };
    expect([checkFailed, conflict, timedOut].map((outcome) => retryFrom(outcome))).toEqual([
      'previous-attempt',
      'previous-diff',
      'clean',
    ]);
    expect([checkFailed, conflict, timedOut].map((outcome) => retryFrom(outcome, 'clean'))).toEqual([
      'clean',
      'clean',
      'clean',
    ]);
    // A conflict's tree cannot land as it is: its change is offered again whatever the setting.
    expect([checkFailed, conflict, timedOut].map((outcome) => retryFrom(outcome, 'previous'))).toEqual([
      'previous-attempt',
      'previous-diff',
      'previous-attempt',
    ]);
  });

  it('says what would change an outcome no retry fixes, naming the task', () => {
    const denied: Outcome = { kind: 'permission-denied', request: 'Bash (npx ava)', rule: 'Bash(npx ava:*)' };
    expect(remedyFor(denied, 'build-api')).toBe(
      'not retried while the task\'s tools stay as they are: `wg answer build-api "..." --allow "Bash(npx ava:*)"` grants it and reopens the task',
    );
    expect(remedyFor({ kind: 'verify-cannot-run', exitCode: 127, command: 'x', output: '' }, 'build-api')).toContain(
      '`wg retry build-api`',
    );
    expect(
      remedyFor({ kind: 'invalid-configuration', message: 'working_dir pkg does not exist' }, 'build-api'),
    ).toContain('`wg retry build-api`');
    expect(remedyFor({ kind: 'verification-failed', exitCode: 1, output: '' }, 'build-api')).toBeUndefined();
    expect(
      describeOutcome({
        kind: 'verify-cannot-run',
        exitCode: 126,
        command: './check.sh',
        output: 'sh: ./check.sh: Permission denied',
      }),
    ).toBe('the check could not run (exit code 126: not executable): sh: ./check.sh: Permission denied');
  });

  it('on_permission_denied: auto continues only where a verify stays the gate', () => {
    expect(refusalPolicy('auto', { verify: 'npm test' })).toBe('continue');
    expect(refusalPolicy('auto', {})).toBe('fail');
    expect(refusalPolicy(undefined, { verify: '  ' })).toBe('fail');
    expect(refusalPolicy('fail', { verify: 'npm test' })).toBe('fail');
    expect(refusalPolicy('continue', {})).toBe('continue');
  });
});

describe('tool rules', () => {
  it('derives the precise rule for a refused command', () => {
    expect(bashRuleFor('npx ava --verbose')).toBe('Bash(npx ava:*)');
    expect(bashRuleFor('node -e "console.log(1)"')).toBe('Bash(node -e:*)');
    expect(bashRuleFor('npm run build -- --watch')).toBe('Bash(npm run build:*)');
    expect(bashRuleFor('python -m pytest -q')).toBe('Bash(python -m pytest:*)');
    expect(bashRuleFor('CI=1 npx tsd')).toBe('Bash(npx tsd:*)');
    expect(bashRuleFor('curl -s https://example.com')).toBe('Bash(curl:*)');
    expect(ruleForCall('Bash', { command: 'cd pkg && npx ava' })).toBe('Bash(npx ava:*)');
    expect(ruleForCall('Write', { file_path: '/x' })).toBe('Write');
    expect(ruleForCall('Bash', {})).toBeUndefined();
  });

  it('allows what Claude Code would: exact and prefix rules, compound commands part by part', () => {
    const rules = ['Bash(npm test:*)', 'Bash(wg log:*)', 'Bash(test -f out.txt && grep -q x out.txt)'];
    expect(refusedPart('npm test', rules)).toBeUndefined();
    expect(refusedPart('npm test -- --watch', rules)).toBeUndefined();
    expect(refusedPart('npm testing', rules)).toBe('npm testing');
    expect(refusedPart('npm test && npx ava', rules)).toBe('npx ava');
    expect(refusedPart('wg log t "done"; rm -rf /', rules)).toBe('rm -rf /');
    expect(refusedPart('npm test $(rm -rf /)', rules)).toBe('npm test $(rm -rf /)');
    // The check as written is allowed whole.
    expect(refusedPart('test -f out.txt && grep -q x out.txt', rules)).toBeUndefined();
    expect(allowsAnyBash(['Read', 'Bash'])).toBe(true);
    expect(allowsAnyBash(['Bash(npm test:*)'])).toBe(false);
  });

  it('the built-in agent is narrowed only by Bash(...) rules, and then always allows the protocol and the check', () => {
    expect(anthropicBashRules({ tools: undefined })).toBeUndefined();
    expect(anthropicBashRules({ tools: ['Bash', 'Bash(npm test:*)'] })).toBeUndefined();
    expect(anthropicBashRules({ tools: ['read_file'] })).toBeUndefined();
    const rules = anthropicBashRules({ tools: ['read_file', 'Bash(npm test:*)'], verify: 'npm run lint && npm test' })!;
    expect(rules).toContain('Bash(npm test:*)');
    expect(rules).toContain('Bash(wg log:*)');
    expect(rules).toContain('Bash(npm run lint && npm test)');
    expect(refusedPart('npm run lint && npm test', rules)).toBeUndefined();
  });
});

describe('failing, retrying, resetting', () => {
  it("a failed check's output is kept on the task, logged under the reason, cleared by success or --reset", () => {
    const graph = graphOf({ id: 't', max_retries: 1 });
    claimTask(graph, 't', by, { tokenHash: 'h' });
    const failed = failTask(graph, 't', by, 'verification failed (exit code 1): boom', {
      text: 'line 1\nboom\n',
      source: "the check's last lines",
    });
    expect(failed.failure_output).toBe('line 1\nboom');
    expect(failed.log!.at(-1)!.message).toBe(
      "failed: verification failed (exit code 1): boom\nthe check's last lines:\nline 1\nboom",
    );
    expect(() => retryTask(graph, 't', { ...by, force: false }, 2)).toThrow(
      expect.objectContaining({ hint: expect.stringContaining('`wg retry t --reset`') }),
    );
    const reset = retryTask(graph, 't', { ...by, force: false }, 2, { reset: true });
    expect(reset).toMatchObject({ status: 'open', retry_count: 0 });
    expect(reset.failure_reason).toBeUndefined();
    expect(reset.failure_output).toBeUndefined();
  });

  it("the retry's prompt shows the check's output, fenced; a reset task's prompt shows no failure", () => {
    const templates = {
      task: { name: 'task', source: 'test', text: '{{task_body}}' },
      protocol: { name: 'protocol', source: 'test', text: '' },
    };
    const sources = (task: Task) => ({
      task,
      inputs: [],
      upstream: [],
      previousStep: undefined,
      files: {},
      workdir: '/w',
      root: '/w',
      permissions: [],
    });
    const retried: Task = {
      id: 't',
      title: 'T',
      status: 'in-progress',
      description: 'Do it.',
      retry_count: 1,
      failure_reason: 'verification failed (exit code 1): boom',
      failure_output: 'has ``` fences\nboom',
    };
    const text = buildPrompt(sources(retried), templates, 10_000).text;
    expect(text).toContain(
      '**This is a retry.** The previous attempt failed: verification failed (exit code 1): boom.',
    );
    expect(text).toContain('What the check printed last:\n\n````\nhas ``` fences\nboom\n````');
    expect(
      buildPrompt(
        sources({ ...retried, retry_count: 0, failure_reason: undefined, failure_output: undefined }),
        templates,
        10_000,
      ).text,
    ).toBe('Do it.\n');
    const refused = buildPrompt(
      sources({
        ...retried,
        failure_output: undefined,
        failure_reason:
          'permission denied: bash (npx ava); not retried while the task\'s tools stay as they are: `wg answer t "..." --allow "Bash(npx ava:*)"` grants it and reopens the task',
      }),
      templates,
      10_000,
    ).text;
    expect(refused).toContain('The previous attempt failed: permission denied: bash (npx ava).');
    expect(refused).not.toContain('wg edit');
  });
});

describe('wg rm (removeTask)', () => {
  it('removes a task nobody waits for, and only that', () => {
    const graph = graphOf({ id: 'a' }, { id: 'b' });
    expect(removeTask(graph, 'a', { force: false })).toMatchObject({ unlinked: [] });
    expect([...graph.tasks.keys()]).toEqual(['b']);
  });

  it('refuses one others wait for (by blocked_by or its own blocks) unless forced; forced, every reference goes', () => {
    const graph = graphOf(
      { id: 'typo', blocks: ['later'] },
      { id: 'ship', blocked_by: ['typo', 'other'] },
      { id: 'later' },
      { id: 'other', blocks: ['typo'] },
    );
    expect(() => removeTask(graph, 'typo', { force: false })).toThrow(TransitionError);
    expect(() => removeTask(graph, 'typo', { force: false })).toThrow(
      /ship, later wait for it|later, ship wait for it/,
    );
    expect(graph.tasks.has('typo')).toBe(true);
    const removal = removeTask(graph, 'typo', { force: true });
    expect(removal.unlinked.sort()).toEqual(['other', 'ship']);
    expect(graph.tasks.get('ship')!.blocked_by).toEqual(['other']);
    expect(graph.tasks.get('other')!.blocks).toBeUndefined();
    expect(graph.tasks.has('typo')).toBe(false);
  });

  it('never removes a task an agent may be working on, even forced', () => {
    const graph = graphOf({ id: 'busy' });
    claimTask(graph, 'busy', by, { tokenHash: 'h' });
    expect(() => removeTask(graph, 'busy', { force: true })).toThrow(/claimed by tester/);
  });
});
