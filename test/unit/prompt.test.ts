import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TemplateError } from '../../src/errors.js';
import type { Task } from '../../src/graph/schema.js';
import { buildPrompt, PREVIEW_LINE_CHARS, PREVIEW_LINES, promptBudget, tokensOf } from '../../src/prompt/build.js';
import { renderTemplate } from '../../src/prompt/template.js';
import { loadPromptTemplates } from '../../src/prompt/templates.js';
import type { FileContent, PromptSources, PromptTemplates } from '../../src/prompt/types.js';

const template = (text: string) => ({ name: 't', source: '/x/prompts/t.md', text });

describe('renderTemplate', () => {
  it('fills {{name}} and {{ name }}, once, leaving braces inside values alone', () => {
    expect(renderTemplate(template('a {{x}} b {{ y }} c {{x}}'), { x: '1', y: '{{x}}' })).toBe('a 1 b {{x}} c 1');
  });

  it('refuses an unknown placeholder, naming it and the template file', () => {
    const render = () => renderTemplate(template('hello {{ nmae }}'), { name: 'x' });
    expect(render).toThrow(TemplateError);
    expect(render).toThrow('prompt template /x/prompts/t.md: unknown placeholder {{nmae}}');
  });
});

// The packaged templates: the section order under test is the one that ships. No project overrides in this empty folder.
const emptyWorkgraph = mkdtempSync(join(tmpdir(), 'wg-prompt-'));
afterAll(() => rmSync(emptyWorkgraph, { recursive: true, force: true }));
const templates: PromptTemplates = loadPromptTemplates(emptyWorkgraph);

const text = (body: string): FileContent => ({ kind: 'text', text: body, bytes: body.length, complete: true });

function sources(overrides: Omit<Partial<PromptSources>, 'task'> & { task?: Partial<Task> } = {}): PromptSources {
  const { task, ...rest } = overrides;
  return {
    task: {
      id: 'build',
      title: 'Build the API',
      status: 'in-progress',
      description: 'Implement the endpoints.',
      ...task,
    },
    inputs: [],
    upstream: [],
    previousStep: undefined,
    files: {},
    workdir: '/project',
    root: '/project',
    permissions: [],
    ...rest,
  };
}

const log = (message: string) => ({ timestamp: '2030-01-01T00:00:00Z', actor: 'alice', message });

describe('buildPrompt', () => {
  it('puts the sections in order: task, deliverables, check, upstream, context files, omitted, environment, protocol', () => {
    const built = buildPrompt(
      sources({
        task: { deliverables: ['src/api.ts'], verify: 'npm test', context_files: ['notes.md'] },
        upstream: [
          {
            id: 'design',
            title: 'Design it',
            status: 'done',
            artifacts: ['api.md'],
            deliverables: ['api.md'],
            log: [log('wrote api.md')],
          },
        ],
        inputs: [{ input: 'api.md', state: 'available', from: ['design'] }],
        files: { 'api.md': text('# API\nGET /users\n'), 'notes.md': text('remember the cache') },
        permissions: ['use bash', 'use edit'],
      }),
      templates,
      100_000,
    );
    const order = [
      '# Task `build`: Build the API',
      'Implement the endpoints.',
      '## What to deliver',
      '- `src/api.ts`',
      '## How it is checked',
      'npm test',
      '## Context from upstream',
      '### `design`: Design it (done)',
      '#### `api.md` (artifact of design)',
      'GET /users',
      '2030-01-01T00:00:00Z alice: wrote api.md',
      '`api.md`: registered by design',
      '## Context files',
      'remember the cache',
      'omitted: nothing.',
      '## Working directory and tools',
      'Working directory: `/project`',
      'Project root: `/project`',
      'What you may do without asking:\n\n- use bash\n- use edit',
      '## Protocol',
      'wg log build',
      'wg artifact build',
      'exit with status 0',
      'wg fail build --reason',
    ];
    const positions = order.map((needle) => built.text.indexOf(needle));
    expect(
      positions.filter((position) => position < 0).length,
      `missing: ${order.filter((_, i) => positions[i]! < 0).join(' | ')}`,
    ).toBe(0);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(built.omitted).toEqual([]);
    expect(built.estimatedTokens).toBe(tokensOf(built.text));
  });

  it('uses the prompt field instead of the description, and says when nothing is declared', () => {
    const built = buildPrompt(sources({ task: { prompt: 'Do exactly this.' } }), templates, 100_000);
    expect(built.text).toContain('Do exactly this.');
    expect(built.text).not.toContain('Implement the endpoints.');
    expect(built.text).toContain('This task has no dependencies.');
    expect(built.text).toContain('No check is declared');
    expect(built.text).toContain('What you may do: whatever your environment allows.');
  });

  it("names wg's tools instead of the shell commands when the agent is offered them", () => {
    const names = ['log', 'progress', 'artifact', 'ask', 'fail', 'show', 'context'];
    const protocolTools = Object.fromEntries(names.map((name) => [name, `mcp__wg__${name}`]));
    const withTools = buildPrompt(
      sources({ protocolTools }),
      loadPromptTemplates(emptyWorkgraph, true),
      100_000,
    ).text.split('## Protocol')[1]!;
    for (const name of names) expect(withTools).toContain(`\`mcp__wg__${name}\``);
    expect(withTools).not.toMatch(/`wg (log|progress|artifact|ask|fail) build/);
    const withCommands = buildPrompt(sources(), templates, 100_000).text.split('## Protocol')[1]!;
    expect(withCommands).toContain('`wg log build "');
    expect(withCommands).not.toContain('mcp__wg__');
  });

  it('inlines files while they fit, then first lines, then only the path, and names what was cut', () => {
    const big = Array.from({ length: 400 }, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n');
    const withFiles = sources({
      task: { context_files: ['small.md', 'big.md', 'huge.md', 'tail.md'] },
      files: {
        'small.md': text('SMALL'),
        'big.md': text(big),
        'huge.md': text('y'.repeat(200_000)),
        'tail.md': text('TAIL'),
      },
    });
    // Everything that can be cut is cut; files shorter than the note that would replace them stay.
    const floor = buildPrompt(withFiles, templates, 1);
    expect(floor.omitted).toEqual(['big.md', 'huge.md']);
    expect(floor.text).toContain('SMALL');
    expect(floor.text).toContain('TAIL');
    expect(floor.text).toContain(
      `#### \`big.md\` (context file): not inlined (${big.length} bytes) to stay within the prompt budget; read it from disk`,
    );
    expect(floor.text).toMatch(
      /omitted: 2 files to stay within the 1-token budget: big\.md, huge\.md\. Read them from disk if you need them\./,
    );

    // Room for first lines (20 lines of big.md, 200 characters of huge.md's single line), not for either file whole.
    const budget = floor.estimatedTokens + 400;
    const built = buildPrompt(withFiles, templates, budget);
    expect(built.estimatedTokens).toBeLessThanOrEqual(budget);
    expect(built.text).toContain(`#### \`big.md\` (context file): first ${PREVIEW_LINES} of 400 lines`);
    expect(built.text).toContain(`line ${PREVIEW_LINES - 1} `);
    expect(built.text).not.toContain(`line ${PREVIEW_LINES} `);
    expect(built.text).toContain(`${'y'.repeat(PREVIEW_LINE_CHARS - 1)}…\n`);
    expect(built.omitted).toEqual([
      `big.md (first ${PREVIEW_LINES} of 400 lines shown)`,
      'huge.md (first 1 of 1 lines shown)',
    ]);
    expect(built.text).toContain(
      `omitted: 2 files to stay within the ${budget}-token budget: big.md (first ${PREVIEW_LINES} of 400 lines shown), huge.md (first 1 of 1 lines shown).`,
    );

    // One token short: files are decided in order, so big.md stays whole and huge.md loses its first lines.
    const whole = buildPrompt(withFiles, templates, 30_000);
    expect(whole.text).toContain('line 399 ');
    expect(whole.omitted).toEqual(['huge.md (first 1 of 1 lines shown)']);
    const justShort = buildPrompt(withFiles, templates, whole.estimatedTokens - 1);
    expect(justShort.estimatedTokens).toBeLessThanOrEqual(whole.estimatedTokens - 1);
    expect(justShort.text).toContain('line 399 ');
    expect(justShort.omitted).toEqual(['huge.md']);
  });

  it('shows a file named twice once, notes binary and missing files, and fences content that holds backticks', () => {
    const built = buildPrompt(
      sources({
        task: { context_files: ['shared.md', 'logo.png', 'gone.md'] },
        upstream: [{ id: 'a', title: 'A', status: 'done', artifacts: ['./shared.md'], deliverables: [], log: [] }],
        files: {
          'shared.md': text('has ``` inside {{task_id}}'),
          'logo.png': { kind: 'binary', bytes: 2048 },
          'gone.md': { kind: 'missing' },
        },
      }),
      templates,
      100_000,
    );
    expect(built.text).toContain('````\nhas ``` inside {{task_id}}\n````');
    expect(built.text.split('has ``` inside').length).toBe(2);
    expect(built.text).toContain('#### `shared.md` (context file): shown above');
    expect(built.text).toContain('#### `logo.png` (context file): binary file (2048 bytes), not inlined');
    expect(built.text).toContain('#### `gone.md` (context file): not found');
  });

  it('tells the agent what the previous trajectory step just did, once, even when it is also a dependency', () => {
    const design = {
      id: 'design',
      title: 'Design it',
      status: 'done' as const,
      artifacts: ['api.md'],
      deliverables: [],
      log: [log('wrote api.md')],
    };
    const previousStep = { ...design, log: [log('chose REST'), log('wrote api.md')] };
    const expected =
      /### Previous step of your trajectory: `design`: Design it \(done\)\n\n#### `api.md` \(artifact of design\)\n\n```\nSPEC\n```\n\nWhat it just did:\n\n- 2030-01-01T00:00:00Z alice: chose REST\n- 2030-01-01T00:00:00Z alice: wrote api.md\n/;
    const alone = buildPrompt(sources({ previousStep, files: { 'api.md': text('SPEC') } }), templates, 100_000);
    expect(alone.text).toMatch(expected);
    const alsoUpstream = buildPrompt(
      sources({ previousStep, upstream: [design], files: { 'api.md': text('SPEC') } }),
      templates,
      100_000,
    );
    expect(alsoUpstream.text).toMatch(expected);
    expect(alsoUpstream.text).not.toContain('This task has no dependencies.');
    expect(alsoUpstream.text.split('`design`').length).toBe(2);
  });

  it('takes half of a context limit as the budget, 100k tokens without one', () => {
    expect(promptBudget(undefined)).toBe(100_000);
    expect(promptBudget(200_000)).toBe(100_000);
    expect(promptBudget(8_001)).toBe(4_000);
  });
});
