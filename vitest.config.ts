import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/sequencer.js';

// Every Node process reads the NODE_EXTRA_CA_CERTS bundle before its first line runs: about
// 0.1 s of CPU per process on machines that set it (CI's do). The suite starts thousands of
// `wg`, agent and helper processes, and none of them speaks TLS (everything is on 127.0.0.1):
// without the variable the suite ran in less time on the 2-core machines. Its workers and
// every process they start inherit this environment.
delete process.env.NODE_EXTRA_CA_CERTS;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // CLI tests spawn many processes and often wait on them: a third worker fills the time the
    // other two wait, on the 2-core machines (a full run passed with three under a load of 8).
    maxWorkers: 3,
    sequence: { sequencer: SlowFirstSequencer },
  },
});
