/**
 * What a refused tool call does to the attempt (`[run] on_permission_denied`):
 * - `fail`: the attempt ends at once as permission-denied (not retried until the tools change);
 * - `continue`: the agent is told its call was refused and goes on; the task's `verify` decides;
 * - `auto` (default): `continue` for a task with a `verify` (a gate remains), else `fail` (with
 *   no check, an agent that could not do the work would otherwise end "done").
 */
import type { REFUSAL_SETTINGS } from '../config/settings.js';

export type RefusalSetting = (typeof REFUSAL_SETTINGS)[number];
export type RefusalPolicy = Exclude<RefusalSetting, 'auto'>;

export function refusalPolicy(
  setting: RefusalSetting | undefined,
  task: { verify?: string | undefined },
): RefusalPolicy {
  if (setting === 'fail' || setting === 'continue') return setting;
  return task.verify?.trim() ? 'continue' : 'fail';
}
