/**
 * `wg doctor`: everything that would make `wg run` fail or misbehave, found before any
 * agent is paid for. Gathering does the I/O (gather.ts); the verdicts are pure (checks*.ts).
 */
import { doctorChecks } from './checks.js';
import { gatherFacts, type GatherOptions } from './gather.js';
import { exitCodeOf, type Check } from './types.js';

export type { Check, CheckStatus } from './types.js';
export type { DoctorPlace, GatherOptions } from './gather.js';

export async function runDoctor(options: GatherOptions): Promise<{ checks: Check[]; exitCode: 0 | 1 | 2 }> {
  const checks = doctorChecks(await gatherFacts(options));
  return { checks, exitCode: exitCodeOf(checks) };
}
