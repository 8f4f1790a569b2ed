/** `wg doctor`'s lines for the sandbox (`[run] sandbox`) and for Codex's own. Pure. */
import type { Check, SandboxFacts } from './types.js';

const listed = (ids: readonly string[]) =>
  `${ids.length === 1 ? 'task' : `${ids.length} tasks`} ${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ` and ${ids.length - 3} more` : ''}`;

export function sandboxCheck(facts: SandboxFacts): Check {
  const name = 'sandbox';
  if (facts.tasks.length === 0 || !facts.probe)
    return {
      area: 'agent',
      name,
      status: 'skip',
      detail: "no open task runs in the sandbox ([run] sandbox, a task's sandbox; codex keeps its own)",
    };
  const used = `for ${listed(facts.tasks)}`;
  if (!facts.probe.ok)
    return {
      area: 'agent',
      name,
      status: 'fail',
      detail: `${used}: ${facts.probe.reason}`,
      fix: 'install bubblewrap and allow user namespaces, or set sandbox = "none" (under [run], or wg edit TASK --sandbox none)',
    };
  if (facts.postgres && !facts.network)
    return {
      area: 'agent',
      name,
      status: 'fail',
      detail: `${used}: the store is PostgreSQL, and the sandbox keeps the network off, so the agent's wg commands could not reach the graph`,
      fix: 'set sandbox_network = true under [run] in .workgraph/config.toml',
    };
  return {
    area: 'agent',
    name,
    status: 'ok',
    detail: `${used}: ${facts.probe.version} starts a sandbox here (network ${facts.network ? 'on' : 'off'})`,
  };
}

export function codexHomeCheck(label: string, found: { home: string; temp: string }): Check {
  return {
    area: 'backend',
    name: `${label} CODEX_HOME`,
    status: 'warn',
    detail: `${found.home} is under the temp folder ${found.temp}: with bubblewrap installed, Codex will not create its sandbox's helper there, and every command fails (bwrap: execvp codex-linux-sandbox)`,
    fix: 'set CODEX_HOME to a folder outside the temp folder (the default is ~/.codex)',
  };
}
