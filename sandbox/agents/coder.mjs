#!/usr/bin/env node
/**
 * The coder actor's stand-in agent (the sandbox's `coder-stand-in` backend runs
 * `node agents/coder.mjs {prompt_file}`). It writes code from what its prompt carries:
 * each function's JSDoc and examples from the spec an upstream task registered, the
 * tests from the spec's examples, src/index.js from the modules upstream registered.
 * The function bodies are its fixed repertoire. See lib.mjs for what it stands in for.
 */
import { Agent, examplesIn } from './lib.mjs';

const BODIES = {
  slugify: [
    '  return text',
    "    .normalize('NFKD')",
    "    .replace(/[\\u0300-\\u036f]/g, '')",
    '    .toLowerCase()',
    "    .replace(/[^a-z0-9]+/g, '-')",
    "    .replace(/^-+|-+$/g, '');",
  ],
  // The classic first try: a space is not the only white space, and '' is not one word.
  wordCountFirstTry: ["  return text.trim().split(' ').length;"],
  wordCount: ['  return (text.match(/\\S+/g) ?? []).length;'],
};

/** The spec's section for `name`: its one-paragraph summary and its examples. */
function specFor(agent, name) {
  const spec = agent.read('docs/spec.md');
  const section = new RegExp(`^## ${name}\\(([^)]*)\\)\\n\\n(.+)\\n([\\s\\S]*?)(?=^## |(?![\\s\\S]))`, 'm').exec(spec);
  if (!section) agent.fail(`the spec in my prompt has no section for ${name}`);
  const [, args, summary, rest] = section;
  return { args, summary, examples: examplesIn(rest, name) };
}

function module(name, args, summary, examples, body) {
  return [
    '/**',
    ` * ${summary}`,
    ' *',
    ...examples.map(({ call, result }) => ` * @example ${call} // returns ${result}`),
    ' */',
    `export function ${name}(${args}) {`,
    ...body,
    '}',
    '',
  ].join('\n');
}

/** Implement one spec'd function in its own module, as STYLE.md asks. */
function implement(agent, name, path, body) {
  const style = agent.read('STYLE.md');
  const { args, summary, examples } = specFor(agent, name);
  agent.progress(
    30,
    `spec read: ${name}(${args}), ${examples.length} examples; style: ${style.split('\n')[0].replace(/^# /, '')}`,
  );
  agent.deliver(path, module(name, args, summary, examples, body));
  return `${path} implements ${name}(${args}) as docs/spec.md specifies, with its ${examples.length} examples as @example lines.`;
}

/** Why the last attempt failed, as the retry's prompt says it ("The previous attempt failed: <reason>."). */
function previousFailure(agent) {
  return /^\*\*This is a retry\.\*\* The previous attempt failed: (.*)\.$/m.exec(agent.prompt)?.[1];
}

const repertoire = {
  'implement-slugify'(agent) {
    agent.summary(implement(agent, 'slugify', 'src/slugify.js', BODIES.slugify));
  },

  'implement-word-count'(agent) {
    // A retry reads why the last attempt failed, as a real agent should; the first try
    // makes the classic mistake, which the task's verify check catches.
    const failure = agent.attempt > 1 ? previousFailure(agent) : undefined;
    if (failure)
      agent.log(`attempt ${agent.attempt}: the last one failed (${failure}); splitting on any white space now`);
    const done = implement(
      agent,
      'wordCount',
      'src/word-count.js',
      failure ? BODIES.wordCount : BODIES.wordCountFirstTry,
    );
    agent.summary(`${done} It counts runs of non-white-space, so '' has 0 words.`);
  },

  'write-tests'(agent) {
    const spec = agent.read('docs/spec.md');
    const names = [...spec.matchAll(/^## (\w+)\(/gm)].map(([, name]) => name);
    const tests = names.flatMap((name) =>
      examplesIn(spec, name).map(({ call, result }) =>
        [
          `test(${JSON.stringify(`${call} returns ${result}`)}, () => {`,
          `  assert.deepEqual(${call}, ${result});`,
          '});',
          '',
        ].join('\n'),
      ),
    );
    agent.progress(60, `${tests.length} tests from the spec's examples`);
    const file = [
      '// One test per example in docs/spec.md.',
      "import assert from 'node:assert/strict';",
      "import { test } from 'node:test';",
      `import { ${names.join(', ')} } from '../src/index.js';`,
      '',
      ...tests,
    ].join('\n');
    agent.deliver('test/textkit.test.mjs', file);
    agent.summary(
      `test/textkit.test.mjs has ${tests.length} node:test tests, one per spec example, importing ${names.join(', ')} from ../src/index.js.`,
    );
  },

  'export-api'(agent) {
    // Every module an upstream task registered, as the prompt lists them.
    const modules = [...agent.prompt.matchAll(/^#### `src\/([^`]+\.js)` \(artifact of/gm)].map(([, file]) => file);
    const lines = modules.flatMap((file) =>
      [...agent.read(`src/${file}`).matchAll(/^export function (\w+)/gm)].map(
        ([, name]) => `export { ${name} } from './${file}';`,
      ),
    );
    if (lines.length === 0) agent.fail('no upstream module exports a function');
    agent.deliver('src/index.js', `${lines.join('\n')}\n`);
    agent.log(`src/index.js exports ${lines.length} functions`);
    agent.summary(`src/index.js re-exports ${lines.length} functions from ${modules.join(', ')}.`);
  },
};

new Agent('coder', repertoire).run();
