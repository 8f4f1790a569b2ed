/**
 * The ACP agents wg knows by name (`backend = "acp:NAME"`): how each is started, where its
 * program is found, what it reads from the environment (so it passes the allowlist of
 * src/system/agent-env.ts), which session mode to select, and what a person must set up
 * first. Pure data, measured against the versions named (see docs/backends.md).
 */

/** A program inside an npm package installed beside wg: `relativePath` from the package's folder. */
export interface PackagedProgram {
  packageName: string;
  relativePath: string;
  /** A JavaScript entry point, run with wg's own Node (its execute bit may be missing). */
  node?: boolean;
}

export interface KnownAcpAgent {
  /** The program looked up on PATH. */
  program: string;
  /** Arguments that start it speaking ACP on stdio. */
  args: readonly string[];
  /** Where else it may be, in order: packages installed beside wg (`{platform}` is `linux-x64`...). */
  packaged: readonly PackagedProgram[];
  /** The npm package a person installs to get it. */
  npm: string;
  /** `session/set_mode` after `session/new`, when the agent's default would not ask wg for permissions. */
  mode?: string;
  /** Names (or globs) it reads from wg's environment: passed to it. */
  env: readonly string[];
  /** Its credentials among them: kept out of the commands it runs where the agent allows (see docs). */
  credentials: readonly string[];
  /** Variables wg sets for it (a person's own values win). */
  setEnv?: Readonly<Record<string, string>>;
  /** Whether `PROGRAM --version` prints its version (an ACP-only adapter would start serving instead). */
  versionFlag: boolean;
  /**
   * Whether it takes stdio MCP servers in `session/new`. Copilot takes only http ones: wg's
   * tools are served to it over http by `wg agent-acp` (when its `initialize` says it takes http).
   */
  stdioMcp: boolean;
  /**
   * How its model sees a tool of the MCP server `wg`: this prefix, then the tool (`wg_log`).
   * Set only where that was seen in the tools of the agent's model requests; the prompt then
   * names these tools instead of the shell commands.
   */
  mcpToolPrefix?: string;
  /**
   * Whether it continues an earlier session (its `initialize` offers `session/resume` or
   * `loadSession`, and continuing was seen to work): a trajectory's next step then keeps the
   * conversation, and a retry that repairs its own work too.
   */
  continuesSessions: boolean;
  /**
   * How it titles a permission request for one of wg's MCP tools, `{tool}` standing for the
   * tool (`log`); without it the title is expected to name the tool as the model sees it.
   */
  mcpPermissionTitle?: string;
  /** Its permission requests carry no rawInput, and a shell call's title is the whole command (see permission.ts). */
  commandInTitle?: boolean;
  /** What a person sets up once before wg can run it. */
  setup: string;
  /** How it reports tokens and cost over ACP. */
  cost: string;
}

export const KNOWN_ACP_AGENTS = {
  opencode: {
    program: 'opencode',
    args: ['acp'],
    packaged: [
      { packageName: 'opencode-ai', relativePath: 'bin/opencode.exe' },
      { packageName: 'opencode-{platform}', relativePath: 'bin/opencode' },
      { packageName: 'opencode-{platform}-baseline', relativePath: 'bin/opencode' },
    ],
    npm: 'opencode-ai',
    env: [
      'OPENCODE_*',
      'XDG_CONFIG_HOME',
      'XDG_DATA_HOME',
      'XDG_CACHE_HOME',
      'XDG_STATE_HOME',
      'OPENAI_API_KEY',
      'ANTHROPIC_API_KEY',
      'OPENROUTER_API_KEY',
    ],
    credentials: ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'OPENROUTER_API_KEY'],
    // Without a `permission` config opencode asks nothing: told to ask for commands, it asks wg, which answers from the task's tools.
    setEnv: {
      OPENCODE_DISABLE_AUTOUPDATE: '1',
      OPENCODE_PERMISSION: '{"bash":"ask","webfetch":"ask","external_directory":"ask"}',
    },
    versionFlag: true,
    stdioMcp: true,
    mcpToolPrefix: 'wg_',
    continuesSessions: true,
    setup: 'a provider and model in opencode.json (or the file OPENCODE_CONFIG names), or `opencode auth login`',
    cost: 'usage_update.cost (USD, from the model cost in its config); PromptResponse.usage is of the last step only',
  },
  copilot: {
    program: 'copilot',
    args: ['--acp', '--stdio', '--no-auto-update'],
    packaged: [
      { packageName: '@github/copilot-{platform}', relativePath: 'copilot' },
      { packageName: '@github/copilot', relativePath: 'npm-loader.js', node: true },
    ],
    npm: '@github/copilot',
    env: ['COPILOT_*', 'GH_TOKEN', 'GITHUB_TOKEN', 'GH_HOST', 'XDG_CONFIG_HOME', 'XDG_STATE_HOME'],
    credentials: ['GH_TOKEN', 'GITHUB_TOKEN', 'COPILOT_PROVIDER_API_KEY'],
    versionFlag: true,
    stdioMcp: false,
    continuesSessions: true,
    // Its http MCP server `wg` reaches the model as `wg-log`... (seen in 1.0.102's model requests).
    mcpToolPrefix: 'wg-',
    setup:
      '`copilot` then /login, or a BYOK provider: COPILOT_PROVIDER_BASE_URL, COPILOT_PROVIDER_API_KEY, COPILOT_MODEL',
    cost: 'PromptResponse.usage, cumulative tokens; no cost (priced from [prices])',
  },
  'claude-acp': {
    program: 'claude-agent-acp',
    args: [],
    packaged: [{ packageName: '@agentclientprotocol/claude-agent-acp', relativePath: 'dist/index.js', node: true }],
    npm: '@agentclientprotocol/claude-agent-acp',
    mode: 'default',
    env: [
      'ANTHROPIC_*',
      'CLAUDE_CODE_*',
      'CLAUDE_CONFIG_DIR',
      'IS_SANDBOX',
      'MCP_CONNECT_TIMEOUT_MS',
      'MCP_CONNECTION_NONBLOCKING',
      'DISABLE_AUTOUPDATER',
      'DISABLE_TELEMETRY',
      'DISABLE_ERROR_REPORTING',
    ],
    credentials: ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN'],
    // Claude Code waits 5 s for MCP servers, then asks the model without them: `wg mcp` can take longer to start
    // on a loaded machine, and the prompt names its tools (the claude backend sets the same; see claude.ts).
    setEnv: { MCP_CONNECT_TIMEOUT_MS: '30000', MCP_CONNECTION_NONBLOCKING: 'false' },
    versionFlag: false,
    stdioMcp: true,
    mcpToolPrefix: 'mcp__wg__',
    continuesSessions: true,
    setup: 'ANTHROPIC_API_KEY, or a Claude Code login',
    cost: 'PromptResponse.usage, cumulative tokens; usage_update.cost (USD)',
  },
  // Gemini CLI, Qwen Code and Codex's adapter: run against a scripted model on 2026-12-06
  // (test/cli/backend-acp-more.test.ts; versions in docs/backends.md).
  gemini: {
    program: 'gemini',
    args: ['--acp'],
    packaged: [{ packageName: '@google/gemini-cli', relativePath: 'bundle/gemini.js', node: true }],
    npm: '@google/gemini-cli',
    mode: 'default',
    env: ['GEMINI_*', 'GOOGLE_*'],
    credentials: ['GEMINI_API_KEY', 'GOOGLE_API_KEY', 'GOOGLE_APPLICATION_CREDENTIALS'],
    // In a folder it does not trust, Gemini CLI drops the MCP servers of session/new (and project hooks and agents):
    // the prompt would name tools its model does not have. wg runs it in the project it was asked to work on.
    setEnv: { GEMINI_CLI_TRUST_WORKSPACE: 'true' },
    versionFlag: true,
    stdioMcp: true,
    continuesSessions: false,
    mcpToolPrefix: 'mcp_wg_',
    // Its MCP tools' display name, `${serverToolName} (${serverName} MCP Server)`, is the title it asks under.
    mcpPermissionTitle: '{tool} (wg MCP Server)',
    // Its shell tool's getDisplayTitle() is params.command, and its requests carry no rawInput.
    commandInTitle: true,
    setup:
      '~/.gemini/settings.json choosing an auth type (security.auth.selectedType, e.g. gemini-api-key) and GEMINI_API_KEY',
    cost: 'PromptResponse._meta.quota.token_count, cumulative tokens; no cost (priced from [prices])',
  },
  qwen: {
    program: 'qwen',
    args: ['--acp'],
    packaged: [{ packageName: '@qwen-code/qwen-code', relativePath: 'cli.js', node: true }],
    npm: '@qwen-code/qwen-code',
    mode: 'default',
    env: ['OPENAI_*', 'QWEN_*', 'DASHSCOPE_API_KEY'],
    credentials: ['OPENAI_API_KEY', 'DASHSCOPE_API_KEY'],
    versionFlag: true,
    // Taken, but 0.15 defers MCP tools behind its tool_search: the prompt names the shell commands.
    stdioMcp: true,
    continuesSessions: false,
    setup:
      '~/.qwen/settings.json with security.auth.selectedType "openai", and OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL (or extra_args: --auth-type openai --openai-base-url URL -m MODEL)',
    cost: "tokens of each request in its message chunks' _meta.usage, summed by wg; no cost (priced from [prices])",
  },
  'codex-acp': {
    program: 'codex-acp',
    args: [],
    packaged: [
      { packageName: '@zed-industries/codex-acp-{platform}', relativePath: 'bin/codex-acp' },
      { packageName: '@zed-industries/codex-acp', relativePath: 'bin/codex-acp.js', node: true },
    ],
    npm: '@zed-industries/codex-acp',
    mode: 'auto',
    env: ['OPENAI_API_KEY', 'CODEX_API_KEY', 'OPENAI_BASE_URL', 'CODEX_HOME'],
    credentials: ['OPENAI_API_KEY', 'CODEX_API_KEY'],
    versionFlag: false,
    stdioMcp: true,
    continuesSessions: false,
    // A Responses `namespace` tool `mcp__wg` holding the functions `log`...; asked about as `Approve MCP tool call`.
    mcpToolPrefix: 'mcp__wg__',
    setup:
      '$CODEX_HOME/config.toml with allow_login_shell = false (else `wg` is not on its PATH) and a provider (its env_key passed with env_pass unless it is OPENAI_API_KEY), or `codex login`',
    cost: 'none: usage_update.used (the context) only, no tokens per request and no cost',
  },
} as const satisfies Record<string, KnownAcpAgent>;

export type KnownAcpAgentName = keyof typeof KNOWN_ACP_AGENTS;

export const KNOWN_ACP_AGENT_NAMES = Object.keys(KNOWN_ACP_AGENTS) as KnownAcpAgentName[];

export function knownAcpAgent(name: string): KnownAcpAgent | undefined {
  return Object.hasOwn(KNOWN_ACP_AGENTS, name) ? KNOWN_ACP_AGENTS[name as KnownAcpAgentName] : undefined;
}
