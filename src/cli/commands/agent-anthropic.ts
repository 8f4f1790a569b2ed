/**
 * `wg agent-anthropic`: the built-in agent's process, launched by the `anthropic` backend.
 * Hidden from `wg --help`: people choose the backend, not this command.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { AnthropicAgentOptions } from '../../agent/anthropic-main.js';
import { AGENT_TOOL_NAMES, type AgentToolName } from '../../protocol/tool-names.js';
import { examples } from '../help.js';
import { parseCount, parseDurationFlag } from '../flag-parsers.js';

/** The agent's options as commander names the flags (it camel-cases `--bash-timeout` and `--base-url`). */
type Flags = Omit<AnthropicAgentOptions, 'bashTimeoutMs' | 'baseURL'> & { bashTimeout: number; baseUrl?: string };

function sandboxOptions(value: string): string[] {
  let options: unknown;
  try {
    options = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('expected a JSON array of strings');
  }
  if (!Array.isArray(options) || !options.every((option) => typeof option === 'string') || options.at(-1) !== '--')
    throw new InvalidArgumentError("expected a JSON array of strings ending with '--'");
  return options as string[];
}

function toolList(value: string): AgentToolName[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  for (const name of names) {
    if (!(AGENT_TOOL_NAMES as readonly string[]).includes(name))
      throw new InvalidArgumentError(`unknown tool ${name} (known: ${AGENT_TOOL_NAMES.join(', ')})`);
  }
  return names as AgentToolName[];
}

function refusalPolicyFlag(value: string): 'fail' | 'continue' {
  if (value !== 'fail' && value !== 'continue') throw new InvalidArgumentError('expected fail or continue');
  return value;
}

export function register(program: Command): void {
  const command = new Command('agent-anthropic')
    .description(
      'run the built-in Anthropic agent on one prompt, printing events as JSON lines (used by the anthropic backend)',
    )
    .requiredOption('--prompt-file <path>', 'the prompt')
    .requiredOption('--model <model>', 'the model')
    .option('--workdir <path>', 'the folder every tool is confined to', process.cwd())
    .option('--tools <names>', `comma-separated, from: ${AGENT_TOOL_NAMES.join(', ')} (empty: none)`, toolList, [
      ...AGENT_TOOL_NAMES,
    ])
    .option('--wg-tools', "also offer wg's protocol tools (wg_log, wg_progress, ...), bound to the task in $WG_TASK_ID")
    .option('--max-turns <n>', 'stop after this many model responses', parseCount, 50)
    .option('--max-tokens <n>', 'output limit of one response', parseCount, 8192)
    .option('--token-budget <n>', 'stop once the session has used this many tokens', parseCount)
    .option('--bash-timeout <duration>', 'limit of one bash call', parseDurationFlag, 120_000)
    .option('--base-url <url>', 'the API endpoint (default: $ANTHROPIC_BASE_URL)')
    .option('--max-retries <n>', 'retries of a request that failed with 429, 5xx or a connection error', parseCount, 4)
    .option(
      '--allow-bash <rule>',
      'only bash commands a rule allows run, e.g. "Bash(npm test:*)" (repeatable; none: any command)',
      (rule: string, rules: string[] | undefined) => [...(rules ?? []), rule],
    )
    .option(
      '--sandbox <json>',
      "run each bash command in bubblewrap with these options (a JSON array ending with '--')",
      sandboxOptions,
    )
    .option('--session-file <path>', "keep the conversation in this file (its path is the session's id)")
    .option('--resume-from <path>', "continue the conversation kept in this file (an earlier session's --session-file)")
    .option(
      '--on-permission-denied <policy>',
      'fail: a refused call ends the session; continue: the refusal goes back to the model',
      refusalPolicyFlag,
      'fail',
    )
    .action(async (flags: Flags) => {
      const { runAnthropicAgent } = await import('../../agent/anthropic-main.js');
      const { bashTimeout, baseUrl, ...options } = flags;
      process.exitCode = await runAnthropicAgent({ ...options, bashTimeoutMs: bashTimeout, baseURL: baseUrl });
    });
  program.addCommand(command, { hidden: true });
  examples(
    command,
    'ANTHROPIC_API_KEY=... wg agent-anthropic --prompt-file prompt.md --model claude-sonnet-5-5 --workdir . --tools read_file,write_file',
  );
}
