/**
 * The environment an agent gets is an allowlist: the basics a program needs, proxy and CA
 * settings, wg's own WG_*, what its backend's program reads (its credential among them),
 * and the names the user passes (`[run] env_pass`, a task's `env_pass`). Everything else
 * in wg's environment (a shell's AWS_SECRET_ACCESS_KEY, GITHUB_TOKEN, NPM_TOKEN...) is
 * withheld, so an agent that runs `env` cannot print it. Pure: no process.env here.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** What any program needs to run as the user: where things are, who and where it is, how text looks. */
export const BASIC_NAMES: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'LC_*',
  'TERM',
  'TMPDIR',
  'TZ',
];

/** How the machine reaches the network: proxies (both spellings are in use) and the certificates to trust. */
export const NETWORK_NAMES: readonly string[] = [
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'all_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NODE_EXTRA_CA_CERTS',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
  'GIT_SSL_CAINFO',
  'NIX_SSL_CERT_FILE',
  'PIP_CERT',
  'AWS_CA_BUNDLE',
];

/** A shell's own bookkeeping: never passed (the agent's shell sets its own), and not worth naming as withheld. */
const SHELL_BOOKKEEPING = new Set(['_', 'PWD', 'OLDPWD', 'SHLVL']);

/** wg's own variables (WG_DIR, WG_TASK_ID, WG_TOKEN...; wg sets the agent's own over any inherited ones). */
export const WG_NAMES: readonly string[] = ['WG_*'];

export interface AgentEnvRequest {
  /** wg's own environment. */
  parent: Env;
  /** Names (or globs) the backend's program reads: its credential and its own settings. */
  program: readonly string[];
  /** Names (or globs) the user passes on: `[run] env_pass`, then the task's `env_pass`. */
  pass: readonly string[];
}

export interface AgentEnv {
  /** The variables the agent gets, every one defined. */
  env: Record<string, string>;
  /** Names passed on, sorted. */
  passed: string[];
  /** Names of wg's environment the agent does not get, sorted (names only: never show their values). */
  withheld: string[];
}

/** A name matches a pattern exactly, or by `*` (any run of characters) and `?` (one character). */
export function matchesName(pattern: string, name: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === name;
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(name);
}

export function matchesAny(patterns: readonly string[], name: string): boolean {
  return patterns.some((pattern) => matchesName(pattern, name));
}

/** A valid entry of `env_pass`: a variable name, with `*` or `?` as wildcards. */
export const ENV_PASS_PATTERN = /^[A-Za-z_*?][A-Za-z0-9_*?]*$/;

export function buildAgentEnv(request: AgentEnvRequest): AgentEnv {
  const allowed = [...BASIC_NAMES, ...NETWORK_NAMES, ...WG_NAMES, ...request.program, ...request.pass];
  const env: Record<string, string> = {};
  const withheld: string[] = [];
  for (const [name, value] of Object.entries(request.parent)) {
    if (value === undefined) continue;
    if (SHELL_BOOKKEEPING.has(name)) continue;
    if (matchesAny(allowed, name)) env[name] = value;
    else withheld.push(name);
  }
  return { env, passed: Object.keys(env).sort(), withheld: withheld.sort() };
}
