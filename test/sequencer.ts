/**
 * The order vitest starts test files in. Vitest's own order, without a cache of earlier
 * durations (every CI run starts from a clean clone), is by file size, largest first: the
 * conformance files are small (their cases live in support/conformance.ts) yet the slowest
 * of all, so they started last and the run waited minutes for them alone. The files that
 * drive real agent programs start first; the rest follow in vitest's order.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Slowest first, as measured in a full run (protocol-conformance-acp ~300 s of one worker on a loaded machine). */
const FIRST = [
  'test/cli/protocol-conformance-acp.test.ts',
  'test/cli/protocol-conformance.test.ts',
  'test/cli/landing.test.ts',
  'test/cli/backend-acp.test.ts',
  'test/cli/postgres-runners.test.ts',
];

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const index = FIRST.findIndex((path) => file.moduleId.endsWith(path));
      return index === -1 ? FIRST.length : index;
    };
    // Array.prototype.sort is stable: files outside the list keep vitest's order.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
