/**
 * The config.toml that `wg init` writes, made from the settings table: every setting with
 * its doc as a comment, commented out with its default (or an example) unless the table
 * says `wg init` writes it. Apart from config.ts so init loads no TOML parser.
 */
import { SETTINGS, type Section, type Setting } from './settings.js';

export const CONFIG_FILE = 'config.toml';

const WIDTH = 88;

/** A value as TOML writes it (the table's values are strings, numbers, booleans and lists of strings). */
export function tomlValue(value: unknown): string {
  return JSON.stringify(value);
}

/** Markdown as a comment's text: links become their text (backticks read well enough). */
function plainText(markdown: string): string {
  return markdown.replace(/\[([^\]]+)\]\([^)]+\)/g, '$1');
}

/** `text` as `# ` comment lines no wider than WIDTH. */
function comment(text: string, prefix = '# '): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of plainText(text).split(/\s+/).filter(Boolean)) {
    if (line && prefix.length + line.length + 1 + word.length > WIDTH) {
      lines.push(prefix + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(prefix + line);
  return lines;
}

/** A setting's doc, with what leaving it unset means. */
function settingDoc(entry: Setting): string {
  return entry.unset === undefined ? entry.doc : `${entry.doc} Unset: ${entry.unset}.`;
}

/** One setting: its comment, then the line itself, active with `value` or commented. */
function settingLines(key: string, entry: Setting, value?: { value: unknown; note?: string }): string[] {
  const lines = comment(settingDoc(entry));
  if (value) return [...lines, ...(value.note ? [`# ${value.note}`] : []), `${key} = ${tomlValue(value.value)}`];
  const shown = entry.default ?? entry.example;
  if (shown === undefined) return lines;
  return [...lines, `${entry.active ? '' : '# '}${key} = ${tomlValue(shown)}`];
}

/** A table repeated per name (`[prices."MODEL"]`): its doc and a commented example. */
function exampleTable(section: Section): string[] {
  const keys = Object.entries(section.settings).filter(([, entry]) => entry.example !== undefined);
  return [
    ...comment(section.doc ?? ''),
    `# ${section.table.replace(/"?[A-Z]+"?\]$/, `${section.exampleName}]`)}`,
    ...keys.map(([key, entry]) => `# ${key} = ${tomlValue(entry.example)}`),
  ];
}

/** The keys of a per-name table, as prose (an example table would be uncommented into the wrong table). */
function keyList(section: Section): string[] {
  return [
    `# Every ${section.table} table also takes:`,
    ...Object.entries(section.settings).flatMap(([key, entry]) => comment(`${key}: ${settingDoc(entry)}`, '#   ')),
  ];
}

/** How each agent backend's own keys look; each backend checks its table itself (src/backends/). */
const BACKEND_EXAMPLES = `# Agent backends. A task runs on its own \`backend\`, else "shell" if it has \`exec\`,
# else its actor's backend, else [defaults] backend. "shell" is built in and needs
# no table; "command" runs any program, configured here:
#
# [backends.command]
# argv = ["my-agent", "--prompt-file", "{prompt_file}", "--model", "{model}"]
# stdin = false                       # true: the prompt is also written to stdin
# env = { MY_AGENT_MODE = "batch" }   # added to the agent's environment
#
# Placeholders in argv: {prompt_file}, {task_id}, {model} (empty when none is set)
# and {workdir}. Each output line becomes a progress event; lines starting
# "::progress 40 message", "::tool NAME summary" or '::usage {"input_tokens": 1200,
# "output_tokens": 300, "cost_usd": 0.01}' report structure instead.
#
# Further command backends, each under its own name (backend = "reviewer"):
# [backends.reviewer]
# type = "command"
# argv = ["review-agent", "{prompt_file}"]
#
# Agent programs, built in (\`wg backends\` shows what each one still needs):
#
# [backends.claude]                   # Claude Code: claude -p, prompt on stdin
# command = "claude"                  # default: claude on PATH, else the npm package's binary
# permission_mode = "acceptEdits"     # or dontAsk, bypassPermissions, plan, auto, default
# The wg commands a prompt asks for (Bash(wg log:*), ...) and the task's verify are always
# allowed; these are added for tasks that name no tools of their own:
# allowed_tools = ["Read", "Edit", "Bash(npm test:*)"]
# disallowed_tools = ["Task", "Agent", "EnterWorktree", "ExitWorktree", "Workflow", "SendMessage"]
# max_turns = 40                     # over [defaults] max_turns; a task's own max_turns wins
# max_budget_usd = 2.5
# resume = true                       # a trajectory step resumes the previous step's session
#                                     # (same folder); false: each step starts its own
#
# [backends.codex]                    # OpenAI Codex: codex exec --json; keys and providers
# sandbox = "workspace-write"         # live in $CODEX_HOME/config.toml. wg adds the graph
#                                     # folder to the writable roots and keeps wg on PATH
# config = { model_reasoning_effort = "high" }   # each becomes -c key=value
# resume = true                       # a trajectory step resumes the previous step's thread
#                                     # (codex exec resume); false: each step starts its own
#
# [backends.anthropic]                # wg's own agent on the Anthropic API (ANTHROPIC_API_KEY)
# base_url = "https://api.anthropic.com"   # default: $ANTHROPIC_BASE_URL, else this
# tools = ["read_file", "write_file", "edit_file", "list_files", "search_files", "bash"]
# max_turns = 50                     # over [defaults] max_turns; a task's own max_turns wins
# max_tokens = 8192                   # output limit of one response
# token_budget = 2000000              # input + output tokens for the whole session
# bash_timeout = "2m"
# max_retries = 4                     # per request, on 429, 5xx and connection errors
# resume = true                       # a trajectory step continues the previous step's
#                                     # conversation; false: each step starts its own
#
# claude and codex also take command, extra_args and env; anthropic takes env. Each can
# be set up again under another name with its type: [backends.opus] type = "claude".`;

/** A table of single settings (`[run]`): its header, then each setting apart. */
function table(section: Section, values: Record<string, { value: unknown; note?: string }> = {}): string[] {
  const blocks = Object.entries(section.settings).map(([key, entry]) => settingLines(key, entry, values[key]));
  return [...(section.doc ? comment(section.doc) : []), section.table, ...blocks.flatMap((block) => [...block, ''])];
}

export interface TemplateChoices {
  /** The `[defaults] backend` that `wg init` chose (the first agent backend ready to run). */
  backend?: string | undefined;
  /** `wg init --store URL`: the graph lives in PostgreSQL, and config.toml says where. */
  storeUrl?: string | undefined;
}

/** The whole config.toml; `[store]` only when the graph lives in PostgreSQL. */
export function configTemplate(choices: TemplateChoices = {}): string {
  const { store, defaults, prices, backends, run, review, notify } = SETTINGS;
  const chosen: Record<string, { value: unknown; note?: string }> = {};
  if (choices.backend !== undefined)
    chosen['backend'] = {
      value: choices.backend,
      note: '(wg init chose this: it was the first agent backend ready to run)',
    };
  return [
    '# wg configuration. Every setting is optional: a commented line shows its default, or an',
    '# example where it has none. Every key: docs/configuration.md.',
    '',
    ...(choices.storeUrl === undefined
      ? []
      : table({ ...store, doc: undefined }, { url: { value: choices.storeUrl } })),
    ...table(defaults, chosen),
    ...exampleTable(prices),
    '',
    BACKEND_EXAMPLES,
    '#',
    ...keyList(backends),
    '',
    ...table(run),
    '',
    ...table(review),
    '',
    ...table(notify),
  ].join('\n');
}

/** What `wg init` writes when it chose no backend and the graph is graph.jsonl. */
export const CONFIG_TEMPLATE = configTemplate();
