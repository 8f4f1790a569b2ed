#!/usr/bin/env node
/**
 * The writer actor's stand-in agent (the sandbox's `writer-stand-in` backend runs
 * `node agents/writer.mjs {prompt_file}`). It writes prose from what its prompt carries:
 * the spec from the brief (a context file), the guide from the source files upstream
 * tasks registered, the changelog from the guide. See lib.mjs for what it stands in for.
 */
import { Agent, examplesIn } from './lib.mjs';

/** `## \`name(args)\`` sections of the guide, from each source file's JSDoc comment. */
function guideSection(source) {
  const match = /\/\*\*([\s\S]*?)\*\/\s*export function (\w+)\(([^)]*)\)/.exec(source);
  if (!match) return undefined;
  const [, comment, name, args] = match;
  const lines = comment.split('\n').map((line) => line.replace(/^\s*\*\s?/, '').trim());
  const summary = lines.filter((line) => line && !line.startsWith('@')).join(' ');
  const examples = lines.filter((line) => line.startsWith('@example ')).map((line) => line.slice('@example '.length));
  return { name, text: [`## \`${name}(${args})\``, '', summary, '', '```js', ...examples, '```', ''].join('\n') };
}

const repertoire = {
  'write-spec'(agent) {
    const brief = agent.read('BRIEF.md');
    agent.progress(20, 'read the brief');
    const functions = [...brief.matchAll(/^- `(\w+)\(([^)]*)\)` (.+)$/gm)];
    if (functions.length === 0) agent.fail('BRIEF.md lists no functions (lines like - `name(args)` does something)');
    const sections = functions.map(([, name, args, summary]) => {
      const examples = examplesIn(brief, name).map(({ call, result }) => `- \`${call}\` returns \`${result}\``);
      return [
        `## ${name}(${args})`,
        '',
        `${summary[0].toUpperCase()}${summary.slice(1)}`,
        '',
        'Examples (normative: the tests are generated from them):',
        '',
        ...examples,
        '',
      ].join('\n');
    });
    const spec = [
      '# textkit API spec',
      '',
      'Derived from BRIEF.md. One section per function; each function lives in its own module and is exported from `src/index.js`.',
      '',
      ...sections,
    ].join('\n');
    agent.deliver('docs/spec.md', spec);
    agent.log(
      `specified ${functions.map(([, name]) => name).join(', ')} with ${examplesIn(brief, '\\w+').length} examples`,
    );
    agent.summary(
      `docs/spec.md specifies ${functions.map(([, name]) => `${name}()`).join(' and ')}, one section each; its examples are normative.`,
    );
  },

  'write-guide'(agent) {
    // The source files arrive inlined in the prompt, as artifacts of the implementation tasks.
    const sources = [...agent.prompt.matchAll(/^#### `(src\/[^`]+\.js)` \(artifact of/gm)].map(([, path]) => path);
    const sections = sources.map((path) => guideSection(agent.read(path))).filter(Boolean);
    if (sections.length === 0) agent.fail('no documented source file reached my prompt: nothing to write a guide from');
    agent.progress(50, `documenting ${sections.map((section) => section.name).join(', ')}`);
    const report = agent.read('reports/tests.txt');
    const passed = /^# pass (\d+)$/m.exec(report)?.[1];
    const guide = [
      '# textkit user guide',
      '',
      `textkit is ${sections.length} small text functions with no dependencies. Import them from \`src/index.js\`:`,
      '',
      '```js',
      `import { ${sections.map((section) => section.name).join(', ')} } from './src/index.js';`,
      '```',
      '',
      ...sections.map((section) => section.text),
      passed ? `All ${passed} tests pass (\`node --test\`, see reports/tests.txt).\n` : '',
    ].join('\n');
    agent.deliver('docs/guide.md', guide);
    agent.log(`guide written from ${sources.join(', ')}`);
    agent.summary(
      `docs/guide.md documents ${sections.map((section) => section.name).join(', ')} from their JSDoc${passed ? `, and says all ${passed} tests pass` : ''}.`,
    );
  },

  changelog(agent) {
    const guide = agent.read('docs/guide.md');
    const names = [...guide.matchAll(/^## `([^`]+)`$/gm)].map(([, signature]) => `\`${signature}\``);
    agent.deliver(
      'CHANGELOG.md',
      ['# Changelog', '', '## 0.1.0', '', `First release: ${names.join(', ')}. See docs/guide.md.`, ''].join('\n'),
    );
    agent.log(`changelog lists ${names.length} functions`);
    agent.summary(`CHANGELOG.md has a 0.1.0 entry naming ${names.length} functions.`);
  },
};

new Agent('writer', repertoire).run();
