/** The live runners' records (see runner/run-record.ts), as wg serve follows them. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ACTIVE_RUNS_DIR } from '../runner/run-record.js';
import { watchFolder } from '../system/watch-folder.js';
/** Call `onChange` when a runner's record in `.workgraph/active-runs` appears, changes or goes (the folder is made if missing). */
export function watchActiveRuns(workgraphDir: string, onChange: () => void): () => void {
  const dir = join(workgraphDir, ACTIVE_RUNS_DIR);
  try {
    mkdirSync(dir, { recursive: true });
    return watchFolder(dir, onChange, { persistent: false });
  } catch {
    return () => undefined;
  }
}
