/**
 * `wg init`'s pick of a default agent backend: the first of claude, codex and anthropic
 * that is ready to run (its program found, its credentials present and not a known
 * trap), or none, with each one's reason.
 */
import type { BackendReport } from '../backends/probe.js';
import { credentialTrap } from './launch.js';

/** In order of preference: the agent programs first, wg's own API agent last. */
const AGENT_BACKENDS = ['claude', 'codex', 'anthropic'] as const;

export type BackendChoice = { backend: string; why: string } | { backend: undefined; reasons: string[] };

export function chooseDefaultBackend(
  reports: readonly BackendReport[],
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform = process.platform,
): BackendChoice {
  const reasons: string[] = [];
  for (const name of AGENT_BACKENDS) {
    const report = reports.find((entry) => entry.name === name);
    if (!report) continue;
    const trap = credentialTrap(name, env);
    if (!report.program) {
      reasons.push(`${name}: ${report.missing[0] ?? 'its program was not found'}`);
      continue;
    }
    if (trap) {
      reasons.push(`${name}: ${trap.message}`);
      continue;
    }
    const where = `${report.program}${report.source ? `, ${report.source}` : ''}`;
    if (report.missing.length === 0) return { backend: name, why: `found (${where}) with credentials` };
    // Claude Code keeps a macOS login in the Keychain, where wg cannot look.
    if (name === 'claude' && platform === 'darwin')
      return { backend: name, why: `found (${where}); its login, if any, is in the Keychain, which wg cannot check` };
    reasons.push(`${name}: needs ${report.missing.join('; ')}`);
  }
  return { backend: undefined, reasons };
}
