// How fast is slugify? Measures for MEASURE_SECONDS in rounds of half a second and
// prints each round, then the median. The benchmark task gives it a 3-second timeout
// on purpose: in the demo it overruns and wg kills it (the whole process tree), to
// show what a task that takes too long looks like.
import { slugify } from '../src/index.js';

const MEASURE_SECONDS = 10;
const ROUND_MS = 500;
const title = 'Crème brûlée: a recipe for twelve, with notes on caramel, burners and patience';

const rates = [];
const end = Date.now() + MEASURE_SECONDS * 1000;
for (let round = 1; Date.now() < end; round++) {
  let calls = 0;
  const roundEnd = Date.now() + ROUND_MS;
  while (Date.now() < roundEnd) {
    slugify(title);
    calls++;
  }
  rates.push((calls * 1000) / ROUND_MS);
  console.log(`round ${round}: ${Math.round(rates.at(-1)).toLocaleString('en')} slugs per second`);
}
rates.sort((a, b) => a - b);
console.log(`median: ${Math.round(rates[rates.length >> 1]).toLocaleString('en')} slugs per second`);
