import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutsideProjectError, TemplateError } from '../../src/errors.js';
import { preparePrompt } from '../../src/prompt/index.js';
import { gatherPromptSources, MAX_READ_BYTES } from '../../src/prompt/sources.js';
import { loadTemplate, PACKAGED_PROMPTS_DIR } from '../../src/prompt/templates.js';
import { graphOf } from '../support/graph.js';

let base: string;
let root: string;
let workgraph: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'wg-prompt-io-'));
  root = join(base, 'project');
  workgraph = join(root, '.workgraph');
  mkdirSync(workgraph, { recursive: true });
  writeFileSync(join(base, 'secret.txt'), 'TOP SECRET');
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const gather = (contextFiles: string[], artifacts: string[] = []) => {
  const graph = graphOf([
    { id: 'up', status: 'done', artifacts },
    { id: 't', blocked_by: ['up'], context_files: contextFiles },
  ]);
  return gatherPromptSources(root, graph, graph.tasks.get('t')!, { workdir: root });
};

describe('gatherPromptSources', () => {
  it('reads text files, notes binary, missing and directory entries, and reads a huge file only in part', () => {
    mkdirSync(join(root, 'docs'));
    writeFileSync(join(root, 'docs', 'a.md'), 'hello');
    writeFileSync(join(root, 'logo.png'), Buffer.from([0x89, 0x50, 0x00, 0x47]));
    writeFileSync(join(root, 'big.log'), 'z'.repeat(MAX_READ_BYTES + 10));
    const sources = gather(['./docs/a.md', 'logo.png', 'nope.md', 'docs', 'big.log'], ['docs/a.md']);
    expect(sources.files).toEqual({
      'docs/a.md': { kind: 'text', text: 'hello', bytes: 5, complete: true },
      'logo.png': { kind: 'binary', bytes: 4 },
      'nope.md': { kind: 'missing' },
      docs: { kind: 'directory' },
      'big.log': { kind: 'text', text: 'z'.repeat(MAX_READ_BYTES), bytes: MAX_READ_BYTES + 10, complete: false },
    });
    expect(sources.upstream.map((dep) => dep.id)).toEqual(['up']);
  });

  it('refuses a path that climbs out of the project, or an absolute one outside it', () => {
    expect(() => gather(['../secret.txt'])).toThrow(OutsideProjectError);
    expect(() => gather(['../secret.txt'])).toThrow(`context file of t ../secret.txt is outside the project (${root})`);
    expect(() => gather([], [join(base, 'secret.txt')])).toThrow(
      /^artifact of up .*secret\.txt is outside the project/,
    );
  });

  it('refuses a symlink that resolves outside the project, and follows one that stays inside', () => {
    symlinkSync(join(base, 'secret.txt'), join(root, 'innocent.md'));
    expect(() => gather(['innocent.md'])).toThrow(OutsideProjectError);
    expect(() => gather(['innocent.md'])).toThrow(/innocent\.md is a symlink that leads outside the project/);
    writeFileSync(join(root, 'real.md'), 'inside');
    symlinkSync(join(root, 'real.md'), join(root, 'alias.md'));
    expect(gather(['alias.md']).files['alias.md']).toMatchObject({ kind: 'text', text: 'inside' });
  });

  it('passes on more of the previous step log than of other dependencies', () => {
    const entries = Array.from({ length: 12 }, (_, i) => ({ timestamp: '2030-01-01T00:00:00Z', message: `m${i}` }));
    const graph = graphOf([
      { id: 'prev', status: 'done', log: entries },
      { id: 't', blocked_by: ['prev'] },
    ]);
    const sources = gatherPromptSources(root, graph, graph.tasks.get('t')!, {
      workdir: root,
      previousStepId: 'prev',
      permissions: ['use bash'],
    });
    expect(sources.upstream[0]!.log.map((entry) => entry.message)).toEqual(['m9', 'm10', 'm11']);
    expect(sources.previousStep!.log.map((entry) => entry.message)).toEqual(
      entries.slice(2).map((entry) => entry.message),
    );
    expect(sources.permissions).toEqual(['use bash']);
    expect(sources.root).toBe(root);
  });
});

describe('templates', () => {
  it('uses the packaged template unless the project overrides it in .workgraph/prompts', () => {
    expect(loadTemplate(workgraph, 'protocol').source).toBe(join(PACKAGED_PROMPTS_DIR, 'protocol.md'));
    mkdirSync(join(workgraph, 'prompts'));
    writeFileSync(join(workgraph, 'prompts', 'protocol.md'), 'Our house rules for {{task_id}}.');
    expect(loadTemplate(workgraph, 'protocol')).toEqual({
      name: 'protocol',
      source: join(workgraph, 'prompts', 'protocol.md'),
      text: 'Our house rules for {{task_id}}.',
    });
    const graph = graphOf([{ id: 't' }]);
    const prompt = preparePrompt(root, workgraph, graph, graph.tasks.get('t')!, { workdir: root });
    expect(prompt.text).toContain('## Protocol\n\nOur house rules for t.\n');
    expect(prompt.text).not.toContain('wg fail');
  });

  it('fails on an unknown placeholder in an override, naming the file', () => {
    mkdirSync(join(workgraph, 'prompts'));
    writeFileSync(join(workgraph, 'prompts', 'task.md'), '# {{task_title}}\n\n{{task_descripton}}\n');
    const graph = graphOf([{ id: 't' }]);
    const prepare = () => preparePrompt(root, workgraph, graph, graph.tasks.get('t')!, { workdir: root });
    expect(prepare).toThrow(TemplateError);
    expect(prepare).toThrow(
      `prompt template ${join(workgraph, 'prompts', 'task.md')}: unknown placeholder {{task_descripton}}`,
    );
  });
});

describe('preparePrompt', () => {
  it("sizes the prompt to half the actor's context limit and names what it cut", () => {
    writeFileSync(join(root, 'notes.md'), 'note '.repeat(10_000));
    const graph = graphOf([{ id: 't', context_files: ['notes.md'] }]);
    const task = graph.tasks.get('t')!;
    const roomy = preparePrompt(root, workgraph, graph, task, {
      workdir: root,
      actor: { id: 'big', context_limit: 200_000 },
    });
    expect(roomy.omitted).toEqual([]);
    expect(roomy.text).toContain('note note');
    const small = preparePrompt(root, workgraph, graph, task, {
      workdir: root,
      actor: { id: 'small', context_limit: 4_000 },
    });
    expect(small.estimatedTokens).toBeLessThanOrEqual(2_000);
    expect(small.omitted).toEqual(['notes.md (first 1 of 1 lines shown)']);
    expect(small.text).toContain(
      'omitted: 1 file to stay within the 2000-token budget: notes.md (first 1 of 1 lines shown).',
    );
    const fromConfig = preparePrompt(root, workgraph, graph, task, { workdir: root, contextLimit: 4_000 });
    expect(fromConfig.text).toBe(small.text);
  });
});
