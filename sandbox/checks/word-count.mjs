// The acceptance check of implement-word-count (its `verify` command): wg runs it after
// the agent exits 0, and the task is done only if it exits 0.
import { wordCount } from '../src/word-count.js';

const cases = [
  ['', 0],
  ['   ', 0],
  ['  two\twords \n', 2],
  ['one', 1],
];
for (const [input, expected] of cases) {
  const actual = wordCount(input);
  if (actual !== expected) {
    console.log(`wordCount(${JSON.stringify(input)}) returned ${actual}, expected ${expected}`);
    process.exit(1);
  }
}
console.log(`wordCount: ${cases.length} cases pass`);
