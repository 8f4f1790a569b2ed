/**
 * Claude Code's tool rules as a task's `tools` holds them (`Bash`, `Bash(npm test)`,
 * `Bash(npx ava:*)`, `Write`), pure: which shell commands a rule list allows, and the
 * precise rule that would allow a refused call, so its failure can name the exact
 * `wg edit ID --tool "..."` instead of "widen the tools". Used by the claude parser (to
 * name the fix) and by the built-in agent (which enforces Bash rules itself).
 */

/** Programs whose next word says what is run (`npx ava`, `node -e`, `git status`): a rule keeps it. */
const LAUNCHERS = new Set([
  'npx',
  'npm',
  'pnpm',
  'yarn',
  'bun',
  'bunx',
  'deno',
  'node',
  'tsx',
  'python',
  'python3',
  'pip',
  'pip3',
  'uv',
  'poetry',
  'git',
  'cargo',
  'go',
  'make',
  'docker',
  'gh',
  'ruby',
  'bundle',
  'rake',
  'dotnet',
  'mvn',
  'gradle',
  'java',
]);
/** Words after which one more is kept: `npm run build`, `python -m pytest`, `pnpm dlx tsx`. */
const SUBCOMMAND_TAKERS = new Set(['run', 'exec', 'x', 'dlx', '-m', 'test']);

/** The parts of a compound command, as Claude Code judges them one by one (`a && b`, `a; b`, `a | b`). */
export function commandParts(command: string): string[] {
  return command
    .split(/\s*(?:&&|\|\||;|\||\n)\s*/)
    .map((part) => part.trim().replace(/\s+/g, ' '))
    .filter((part) => part !== '');
}

/** The words of one part, without leading `VAR=value` assignments; a quoted word stays one word. */
function words(part: string): string[] {
  const found = part.match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
  let start = 0;
  while (start < found.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(found[start]!)) start++;
  return found.slice(start);
}

/** The rule for one command part: its program, plus what it launches (`Bash(npx ava:*)`, `Bash(node -e:*)`, `Bash(ls:*)`). */
export function bashRuleFor(part: string): string {
  const list = words(part);
  if (list.length === 0) return 'Bash';
  const kept = [list[0]!];
  const plain = (word: string | undefined) => word !== undefined && !/^["'`$(]/.test(word);
  if (LAUNCHERS.has(list[0]!) && plain(list[1])) {
    kept.push(list[1]!);
    if (SUBCOMMAND_TAKERS.has(list[1]!) && plain(list[2])) kept.push(list[2]!);
  }
  return `Bash(${kept.join(' ')}:*)`;
}

/** What a `Bash(...)` rule allows: `exact` for `Bash(npm test)`, `prefix` for `Bash(npm test:*)`; `all` for bare Bash. */
function parseBashRule(rule: string): { kind: 'all' } | { kind: 'exact' | 'prefix'; text: string } | undefined {
  const trimmed = rule.trim();
  if (/^(bash|shell)$/i.test(trimmed)) return { kind: 'all' };
  const match = /^bash\((.*)\)$/is.exec(trimmed);
  if (!match) return undefined;
  const inner = match[1]!.trim().replace(/\s+/g, ' ');
  if (inner === '' || inner === '*' || inner === ':*') return { kind: 'all' };
  if (inner.endsWith(':*')) return { kind: 'prefix', text: inner.slice(0, -2).trim() };
  if (inner.endsWith(' *')) return { kind: 'prefix', text: inner.slice(0, -2).trim() };
  return { kind: 'exact', text: inner };
}

/** Whether the rules allow every shell command at all (no Bash rule with a parenthesis to narrow it). */
export function allowsAnyBash(rules: readonly string[]): boolean {
  return rules.some((rule) => parseBashRule(rule)?.kind === 'all');
}

/** The rules that narrow Bash (`Bash(...)`), as given; empty when there are none. */
export function narrowBashRules(rules: readonly string[]): string[] {
  return rules.filter((rule) => {
    const parsed = parseBashRule(rule);
    return parsed !== undefined && parsed.kind !== 'all';
  });
}

/** A command substitution would run something no prefix rule names: only an exact rule allows it. */
const SUBSTITUTION = /\$\(|`/;

function partAllowed(part: string, rules: readonly string[], exactOnly = false): boolean {
  return rules.some((rule) => {
    const parsed = parseBashRule(rule);
    if (!parsed) return false;
    if (parsed.kind === 'exact') return part === parsed.text;
    if (exactOnly) return false;
    if (parsed.kind === 'all') return true;
    return !SUBSTITUTION.test(part) && (part === parsed.text || part.startsWith(`${parsed.text} `));
  });
}

/**
 * The first part of `command` the rules do not allow, or undefined when they allow all of
 * it. A whole command written exactly as an exact rule (the task's verify) is allowed as one;
 * a prefix rule (`Bash(npm test:*)`) never covers what follows `&&`, `;` or `|`.
 */
export function refusedPart(command: string, rules: readonly string[]): string | undefined {
  if (allowsAnyBash(rules)) return undefined;
  const whole = command.trim().replace(/\s+/g, ' ');
  if (partAllowed(whole, rules, true)) return undefined;
  return commandParts(command).find((part) => !partAllowed(part, rules));
}

/** Parts that only move around or print, which a refusal is never about (Claude Code allows them read-only). */
const HARMLESS = /^(cd|pwd|ls|cat|echo|true)( |$)/;

/**
 * The rule that would allow a refused call of `tool` with this input: for Bash, its first
 * part that is not a mere `cd`/`ls`; for any other tool, the tool itself (`Write`).
 */
export function ruleForCall(tool: string, input: unknown): string | undefined {
  if (tool !== 'Bash' && tool !== 'bash') return /^[A-Za-z][A-Za-z0-9_]*$/.test(tool) ? tool : undefined;
  const command = typeof input === 'object' && input !== null ? (input as { command?: unknown }).command : undefined;
  if (typeof command !== 'string' || command.trim() === '') return undefined;
  const parts = commandParts(command);
  return bashRuleFor(parts.find((part) => !HARMLESS.test(part)) ?? parts[0] ?? command);
}
