/** The config.toml that `wg init` writes; apart from config.ts so init loads no parser. */
export const CONFIG_FILE = 'config.toml';

export const CONFIG_TEMPLATE = `# wg configuration. Every setting is optional; commented lines show the defaults.

[defaults]
# How many times a failed task is retried before it stays failed
# (a task's own max_retries wins).
max_retries = 2

# The backend for tasks that name none (a task with \`exec\` always uses "shell").
# backend = "command"

# The model passed to agent backends when neither the task nor the actor names one.
# model = ""

# Wall-clock limit for one attempt of a task: 90s, 30m, 2h.
# timeout = "30m"

# Context limit, in tokens, of the default local actor used when no actor is defined.
# context_limit = 200000

# The most one task may spend over all its attempts, in US dollars (a task's own
# max_cost_usd wins); reaching it stops the task as budget-exhausted.
# max_cost_usd = 5

# Prices of models whose backends report tokens but no dollars (Codex, the built-in
# agent), in US dollars per million tokens:
# [prices."gpt-5.5"]
# input = 1.25
# output = 10
# cache_read = 0.125

# Agent backends. A task runs on its own \`backend\`, else "shell" if it has \`exec\`,
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
# max_turns = 40
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
# max_turns = 50
# max_tokens = 8192                   # output limit of one response
# token_budget = 2000000              # input + output tokens for the whole session
# bash_timeout = "2m"
# max_retries = 4                     # per request, on 429, 5xx and connection errors
# resume = true                       # a trajectory step continues the previous step's
#                                     # conversation; false: each step starts its own
#
# claude and codex also take command, extra_args and env; anthropic takes env. Each can
# be set up again under another name with its type: [backends.opus] type = "claude".

[run]
# How many jobs \`wg run\` runs at once.
parallel = 4
# Longest context-coherent trajectory one job walks (1 turns trajectories off).
max_steps = 3
# Wait before the first automatic retry; it doubles for each further one.
retry_backoff = "1s"
# Between SIGTERM and SIGKILL when an agent is stopped.
grace = "5s"
# Kill an agent that prints nothing for this long (unset: no stall limit).
# stall_timeout = "10m"
# Which ready task starts first: "critical-path" (the longest chain of work below it) or "listed".
# order = "critical-path"
# The most a whole run may spend (US dollars); --budget-usd overrides. Each job reserves
# its expected cost before it starts: the task's estimate.cost, else its history, else:
# budget_usd = 20
# expected_cost_usd = 1
# After a rate limit, a backend starts nothing until the limit lifts: when the service
# says when; otherwise after this long.
# rate_limit_pause = "60s"
# When an agent's permissions refuse a call (a Bash command its tools do not allow):
# "fail" ends the attempt at once; "continue" tells the agent and lets it go on, the
# task's verify deciding; "auto" is continue for tasks with a verify, else fail.
# --on-permission-denied overrides it.
# on_permission_denied = "auto"
# What a retry starts from. "auto": after a failed check, the previous attempt's work
# (brought onto the target's newest head) and its agent session;
# after a merge conflict, the target's head with the previous change applied where it
# still applies; after a crash, stall or timeout, a clean tree. "clean": always a clean
# tree and a fresh session. "previous": the previous attempt's work after any failure.
# retry_from = "auto"
#
# In a git work tree with a commit, each attempt works in a git worktree of its own
# (.workgraph/worktrees/TASK/ATTEMPT, branch wg/TASK/ATTEMPT) and its result lands on
# the branch checked out when the run starts (or --target) when it succeeds; "none"
# runs every attempt in the project itself.
# isolation = "worktree"
# Check a result again when other work landed on the target since its attempt began.
# reverify = true
# A command run in each new worktree before its agent starts; what it writes must be
# ignored by git (or it lands with the work).
# worktree_setup = "npm ci --prefer-offline"
# Folders of your checkout linked into each new worktree that lacks them.
# worktree_link = ["node_modules"]
# A file an upstream task edited reaches the prompts after it as the diff of that task's
# landed commit ("diff"; files it created are shown whole), or always whole ("whole").
# Without worktrees there is no landed commit, and files are shown whole.
# upstream_changes = "diff"
`;
