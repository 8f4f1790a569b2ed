import { defineConfig } from 'vitest/config';

/** `npm run test:stress`: the fault-injection suite with heavy counts (see test/support/fault.ts). */
export default defineConfig({
  test: {
    include: ['test/fault/**/*.test.ts'],
    env: { WG_STRESS: '1' },
    testTimeout: 600_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
  },
});
