/** A seeded PRNG (a linear congruential generator), so generated inputs are the same on every run. */
export function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
