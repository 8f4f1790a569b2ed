/**
 * From gathered facts to lines: pure, so every verdict and fix can be tested on literal
 * facts. Severity follows what `wg run` would do: `fail` where it would refuse or every
 * affected task would fail, `warn` where it would run but something is off.
 */
import type { AgentPathFacts, BackendFacts, Check, DoctorFacts, LockFacts, StoreFacts } from './types.js';
import { gitChecks } from './checks-git.js';
import { graphChecks } from './checks-graph.js';
import { codexHomeCheck, sandboxCheck } from './checks-sandbox.js';

const listed = (ids: readonly string[], most = 3) =>
  `${ids.slice(0, most).join(', ')}${ids.length > most ? ` and ${ids.length - most} more` : ''}`;
const tasksOf = (ids: readonly string[]) => `${ids.length === 1 ? 'task' : `${ids.length} tasks`} ${listed(ids)}`;

const CREDENTIAL_FIX: Record<string, string> = {
  claude: 'run `claude` and /login, or export CLAUDE_CODE_OAUTH_TOKEN (claude setup-token) or ANTHROPIC_API_KEY',
  codex: 'run `codex login`, or export OPENAI_API_KEY',
  anthropic: 'export ANTHROPIC_API_KEY=sk-ant-api…',
};

const UPGRADE: Record<string, string> = {
  claude: 'npm install -g @anthropic-ai/claude-code@latest',
  codex: 'npm install -g @openai/codex@latest',
};

export function backendChecks(backend: BackendFacts): Check[] {
  const { launch, report } = backend;
  const name = launch?.name ?? report?.name;
  if (launch && launch.name === undefined) {
    return [
      {
        area: 'backend',
        name: 'backend (none)',
        status: 'fail',
        detail: `${tasksOf(launch.tasks)}: ${launch.fault!.message}`,
        fix: launch.fault!.fix,
      },
    ];
  }
  const label = `backend ${name}`;
  const program = report?.program
    ? `${report.program}${report.source ? ` (${report.source})` : ''}${report.version ? `, ${report.version}` : ''}`
    : 'no program';
  if (!launch || launch.tasks.length === 0) {
    const needs = report && report.missing.length > 0 ? `; would need ${report.missing.join('; ')}` : '';
    return [
      {
        area: 'backend',
        name: label,
        status: 'skip',
        detail: `not used by any open task${backend.isDefault ? ' (it is the [defaults] backend)' : ''}: ${program}${needs}`,
      },
    ];
  }
  const used = `for ${tasksOf(launch.tasks)}`;
  if (launch.fault)
    return [
      {
        area: 'backend',
        name: label,
        status: 'fail',
        detail: `${used}: ${launch.fault.message}`,
        fix: launch.fault.fix,
      },
    ];
  const checks: Check[] = [
    { area: 'backend', name: label, status: 'ok', detail: `${used}: ${report?.program ? program : launch.spec?.file}` },
  ];
  const type = launch.type ?? '';
  if (type in CREDENTIAL_FIX) {
    const missing = report?.missing ?? [];
    checks.push(
      missing.length === 0
        ? { area: 'backend', name: `${label} credentials`, status: 'ok', detail: 'found' }
        : {
            area: 'backend',
            name: `${label} credentials`,
            status: 'warn',
            detail: `none found: needs ${missing.join('; ')} (a login kept where wg cannot see it, such as the macOS Keychain, would do)`,
            fix: CREDENTIAL_FIX[type],
          },
    );
  }
  const apiKey = launch.spec?.env.ANTHROPIC_API_KEY?.trim();
  if (type === 'claude' && backend.claudeLogin && apiKey) {
    checks.push({
      area: 'backend',
      name: `${label} billing`,
      status: 'warn',
      detail:
        'ANTHROPIC_API_KEY is set and you are logged in: Claude Code uses the API key (billed per token), not your subscription',
      fix: `unset ANTHROPIC_API_KEY to use the login, or set env = { ANTHROPIC_API_KEY = "" } under [backends.${name}]`,
    });
  }
  if (launch.environment) checks.push(environmentCheck(label, launch.environment));
  if (backend.codexHomeUnderTemp) checks.push(codexHomeCheck(label, backend.codexHomeUnderTemp));
  if (backend.flags) checks.push(flagsCheck(name ?? '', type, launch.spec?.file ?? '', backend.flags));
  return checks;
}

/** What of wg's environment the agent gets, and (by name only) what it does not. */
function environmentCheck(label: string, environment: { passed: string[]; withheld: string[] }): Check {
  const withheld = environment.withheld.length > 0 ? environment.withheld.join(' ') : 'nothing';
  return {
    area: 'backend',
    name: `${label} environment`,
    status: 'ok',
    detail: `passes ${environment.passed.join(' ') || 'nothing'}; withholds ${withheld} (add a name to [run] env_pass or a task's env_pass to pass it)`,
  };
}

function flagsCheck(backend: string, type: string, program: string, flags: NonNullable<BackendFacts['flags']>): Check {
  const name = `backend ${backend} flags`;
  if (flags.kind === 'not-run') return { area: 'backend', name, status: 'skip', detail: flags.why };
  if (flags.kind === 'timed-out')
    return {
      area: 'backend',
      name,
      status: 'skip',
      detail: `${program} did not answer within ${(flags.afterMs / 1000).toFixed(1)}s`,
    };
  if (flags.exitCode === 0 || /Input must be provided/i.test(flags.output))
    return { area: 'backend', name, status: 'ok', detail: 'accepts every flag wg passes it' };
  const said = flags.output
    .split('\n')
    .find((line) => /unknown option|unexpected argument|unrecognized|invalid value/i.test(line))
    ?.trim();
  if (said) {
    return {
      area: 'backend',
      name,
      status: 'fail',
      detail: `${program} refuses the flags wg passes it: ${said}`,
      fix: `upgrade it (${UPGRADE[type] ?? 'a newer version'}), or take the flag out of extra_args under [backends.${backend}] in .workgraph/config.toml`,
    };
  }
  return {
    area: 'backend',
    name,
    status: 'warn',
    detail: `${program} exited ${flags.exitCode} when given wg's flags: ${flags.output.trim().split('\n')[0] ?? ''}`,
    fix: `run it yourself with those flags to see why`,
  };
}

export function agentPathCheck(facts: AgentPathFacts): Check {
  const { shell, expected } = facts;
  const name = `wg on the agent's PATH${facts.backends.length > 0 ? ` (${facts.backends.join(', ')})` : ''}`;
  if (shell.kind !== 'answered')
    return {
      area: 'agent',
      name,
      status: 'skip',
      detail: shell.kind === 'timed-out' ? `sh did not answer within ${(shell.afterMs / 1000).toFixed(1)}s` : shell.why,
    };
  if (shell.exitCode === 0 && shell.output.trim() === expected)
    return { area: 'agent', name, status: 'ok', detail: expected };
  const found = shell.exitCode === 0 ? `finds ${shell.output.trim()}` : 'does not find it';
  return {
    area: 'agent',
    name,
    status: 'fail',
    detail: `agents' shells should find ${expected} first, but sh ${found}: their wg log, wg done and wg artifact would go astray`,
    fix:
      facts.backends.length > 0
        ? `if env under [backends.${facts.backends[0]}] sets PATH, drop it (wg puts its own folder first); else reinstall wg so bin/wg is there and executable`
        : 'reinstall wg (npm install in its checkout) so bin/wg is there and executable',
  };
}

export function storeCheck(store: StoreFacts): Check {
  const what = store.kind === 'file' ? store.where : `PostgreSQL at ${store.where}`;
  if (store.error !== undefined) {
    return {
      area: 'store',
      name: 'store',
      status: 'fail',
      detail: `cannot read ${what}: ${store.error}`,
      fix:
        store.kind === 'postgres'
          ? 'start PostgreSQL, or correct [store] url in .workgraph/config.toml (WG_STORE_URL overrides it)'
          : "check the file's permissions; `wg check` lists its problems",
    };
  }
  return {
    area: 'store',
    name: 'store',
    status: 'ok',
    detail: `${what}, ${store.tasks} task${store.tasks === 1 ? '' : 's'}`,
  };
}

export function lockCheck(lock: LockFacts): Check {
  if (lock.state === 'free') return { area: 'store', name: 'graph lock', status: 'ok', detail: 'free' };
  if (lock.state === 'held')
    return {
      area: 'store',
      name: 'graph lock',
      status: 'ok',
      detail: `held now by ${lock.owner} (a wg is writing the graph)`,
    };
  return {
    area: 'store',
    name: 'graph lock',
    status: 'warn',
    detail: `stale: ${lock.path} was left by ${lock.owner ?? 'a process that wrote no owner'}, which is gone${lock.ageMs !== undefined ? ` (${Math.round(lock.ageMs / 1000)}s ago)` : ''}`,
    fix: `nothing is lost: the next write takes it over; or remove it: rm ${lock.path}`,
  };
}

export function doctorChecks(facts: DoctorFacts): Check[] {
  const checks: Check[] = [];
  if ('error' in facts.project)
    checks.push({
      area: 'project',
      name: 'project',
      status: 'fail',
      detail: facts.project.error,
      fix: facts.project.fix ?? '`wg init` creates one',
    });
  else checks.push({ area: 'project', name: 'project', status: 'ok', detail: `${facts.project.dir}` });
  if (facts.config)
    checks.push({
      area: 'project',
      name: 'config.toml',
      status: 'fail',
      detail: facts.config.error,
      fix: 'correct .workgraph/config.toml (wg run refuses it as it is)',
    });
  for (const backend of facts.backends) checks.push(...backendChecks(backend));
  for (const path of facts.agentPath ?? []) checks.push(agentPathCheck(path));
  if (facts.sandbox) checks.push(sandboxCheck(facts.sandbox));
  if (facts.store) checks.push(storeCheck(facts.store));
  if (facts.lock) checks.push(lockCheck(facts.lock));
  if (facts.graph) checks.push(...graphChecks(facts.graph));
  else if (facts.store?.error !== undefined)
    checks.push({
      area: 'graph',
      name: 'graph',
      status: 'skip',
      detail: 'not checked: the store could not be read (nor which backends the tasks use)',
    });
  if (facts.git) checks.push(...gitChecks(facts.git));
  return checks;
}
