/**
 * What each backend's program reads from wg's environment, so that it passes the allowlist
 * (src/system/agent-env.ts), and which of those are its credential, which the program gets
 * but the commands it runs must not (each backend scrubs them in its own way).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { Env } from '../system/agent-env.js';

export interface ProgramEnvironment {
  /** Names (or globs) the program reads: passed to it. */
  program: readonly string[];
  /** Names of its credential among them: kept out of the commands the agent runs. */
  credentials: readonly string[];
}

/** Claude Code's key or login and its own settings (ANTHROPIC_*, CLAUDE_CODE_*, its switches for background traffic). */
export const CLAUDE_CREDENTIALS = ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN'] as const;

export const claudeEnvironment: ProgramEnvironment = {
  program: [
    'ANTHROPIC_*',
    'CLAUDE_CODE_*',
    'CLAUDE_CONFIG_DIR',
    'DISABLE_AUTOUPDATER',
    'DISABLE_TELEMETRY',
    'DISABLE_ERROR_REPORTING',
    'DISABLE_NON_ESSENTIAL_MODEL_CALLS',
  ],
  credentials: CLAUDE_CREDENTIALS,
};

/** The built-in agent: its Anthropic key and where to send it. */
export const anthropicEnvironment: ProgramEnvironment = {
  program: ['ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL'],
  credentials: ['ANTHROPIC_API_KEY'],
};

/** The key variable of the model provider chosen in `$CODEX_HOME/config.toml` (`env_key`), if any. */
export function codexProviderKey(env: Env): { name: string; provider: string; file: string } | undefined {
  const file = join(env.CODEX_HOME ?? join(env.HOME ?? homedir(), '.codex'), 'config.toml');
  try {
    const config = parseToml(readFileSync(file, 'utf8')) as {
      model_provider?: string;
      model_providers?: Record<string, { env_key?: string }>;
    };
    const provider = config.model_provider;
    const name = provider ? config.model_providers?.[provider]?.env_key : undefined;
    return provider && name ? { name, provider, file } : undefined;
  } catch {
    // No readable config: codex uses its login or OPENAI_API_KEY.
    return undefined;
  }
}

/** Codex: its OpenAI key (or the key of its configured provider), where to send it, and CODEX_HOME. */
export function codexEnvironment(env: Env): ProgramEnvironment {
  const providerKey = codexProviderKey(env)?.name;
  const credentials = ['OPENAI_API_KEY', 'CODEX_API_KEY', ...(providerKey ? [providerKey] : [])];
  return { program: [...credentials, 'OPENAI_BASE_URL', 'CODEX_HOME'], credentials };
}
