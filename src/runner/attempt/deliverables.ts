/**
 * Deliverables are a contract: an attempt that exits 0 must have written every file its
 * task declares. Paths are relative to the project root, as declared.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { assertInsideProject } from '../../system/paths.js';

export interface DeliverableCheck {
  present: string[];
  missing: string[];
}

async function exists(root: string, path: string): Promise<boolean> {
  try {
    // A deliverable that leads outside the project (by `..` or a symlink) cannot be handed downstream.
    assertInsideProject(root, path, 'deliverable');
    await stat(resolve(root, path));
    return true;
  } catch {
    return false;
  }
}

export async function checkDeliverables(root: string, deliverables: readonly string[]): Promise<DeliverableCheck> {
  const found = await Promise.all(deliverables.map((path) => exists(root, path)));
  return {
    present: deliverables.filter((_, i) => found[i]),
    missing: deliverables.filter((_, i) => !found[i]),
  };
}
