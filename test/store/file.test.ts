/** The file store (graph.jsonl) against the store contract: as one-off commands write it, and as `wg run` does (journal). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileGraphStore, GRAPH_FILE } from '../../src/store/file/file-store.js';
import { JOURNAL_FILE } from '../../src/store/file/journal.js';
import { initWorkgraph } from '../../src/store/init.js';
import { describeStoreContract, type StoreFactory } from './conformance.js';

function fileGraph(options: { journal: boolean }): StoreFactory {
  return async () => {
    const root = mkdtempSync(join(tmpdir(), 'wg-store-'));
    const dir = join(root, '.workgraph');
    initWorkgraph(dir);
    return {
      open: async () => new FileGraphStore(dir, options),
      // As a person edits it between runs: no run is going, so no journal lies over the file.
      writeByHand: async (lines) => {
        writeFileSync(join(dir, GRAPH_FILE), lines.map((line) => `${line}\n`).join(''));
        rmSync(join(dir, JOURNAL_FILE), { force: true });
      },
      cleanup: async () => rmSync(root, { recursive: true, force: true }),
    };
  };
}

describeStoreContract('file, one-off writers', fileGraph({ journal: false }));
describeStoreContract('file, long-lived writers (journal)', fileGraph({ journal: true }));
