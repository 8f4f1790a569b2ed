// The acceptance check of implement-slugify (its `verify` command): wg runs it after the
// agent exits 0, and the task is done only if it exits 0. Written by the graph's author,
// not by an agent, so an agent cannot mark its own homework.
import { slugify } from '../src/slugify.js';

const cases = [
  ['Hello, World!', 'hello-world'],
  ['  Crème brûlée: a recipe  ', 'creme-brulee-a-recipe'],
  ['---', ''],
];
for (const [input, expected] of cases) {
  const actual = slugify(input);
  if (actual !== expected) {
    console.log(`slugify(${JSON.stringify(input)}) returned ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
    process.exit(1);
  }
}
console.log(`slugify: ${cases.length} cases pass`);
