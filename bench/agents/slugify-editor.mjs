#!/usr/bin/env node
/**
 * The stand-in agent of bench/context-diffs.mjs: it makes the edits a model would make to
 * sindresorhus/slugify (bench/fixtures/slugify) for a `maxLength` option, one task at a
 * time, by task id. Like a real agent on a real repository, it edits existing files in
 * place (and adds one new file), and exits 0; wg registers the deliverables.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const task = process.env.WG_TASK_ID;

function edit(path, anchor, insert, where = 'before') {
  const text = readFileSync(path, 'utf8');
  const at = text.indexOf(anchor);
  if (at < 0) {
    process.stderr.write(`${path}: anchor not found: ${anchor}\n`);
    process.exit(1);
  }
  const position = where === 'before' ? at : at + anchor.length;
  writeFileSync(path, text.slice(0, position) + insert + text.slice(position));
}

const EDITS = {
  'add-max-length'() {
    edit('index.js', '\t\tpreserveCharacters: [],\n', '\t\tmaxLength: Number.POSITIVE_INFINITY,\n', 'after');
    edit(
      'index.js',
      '\tif (shouldPrependUnderscore) {',
      '\tif (string.length > options.maxLength) {\n\t\tstring = removeMootSeparators(string.slice(0, options.maxLength), options.separator);\n\t}\n\n',
    );
  },
  'type-max-length'() {
    edit(
      'index.d.ts',
      '\treadonly preserveCharacters?: string[];\n',
      "\n\t/**\n\tCut the slug to at most this many characters, never leaving a separator at its end.\n\n\t@default Infinity\n\n\t@example\n\t```\n\timport slugify from '@sindresorhus/slugify';\n\n\tslugify('Déjà Vu!', {maxLength: 4});\n\t//=> 'deja'\n\t```\n\t*/\n\treadonly maxLength?: number;\n",
      'after',
    );
  },
  'test-max-length'() {
    const text = readFileSync('test.js', 'utf8');
    writeFileSync(
      'test.js',
      `${text}\ntest('max length', t => {\n\tt.is(slugify('Déjà Vu!', {maxLength: 4}), 'deja');\n\tt.is(slugify('foo bar baz', {maxLength: 4}), 'foo');\n\tt.is(slugify('foo bar', {maxLength: 100}), 'foo-bar');\n});\n`,
    );
  },
  'docs-max-length'() {
    edit(
      'readme.md',
      '### slugifyWithCounter()',
      "##### maxLength\n\nType: `number`\\\nDefault: `Infinity`\n\nCut the slug to at most this many characters, never leaving a separator at its end.\n\n```js\nimport slugify from '@sindresorhus/slugify';\n\nslugify('Déjà Vu!', {maxLength: 4});\n//=> 'deja'\n```\n\n",
    );
  },
  changelog() {
    writeFileSync(
      'CHANGELOG.md',
      '# Changelog\n\n## 2.3.0\n\n- New `maxLength` option: cut the slug to at most this many characters.\n',
    );
  },
  release() {
    const text = readFileSync('package.json', 'utf8');
    writeFileSync('package.json', text.replace('"version": "2.2.1"', '"version": "2.3.0"'));
  },
};

if (!EDITS[task]) {
  process.stderr.write(`no edit for task ${task}\n`);
  process.exit(1);
}
EDITS[task]();
