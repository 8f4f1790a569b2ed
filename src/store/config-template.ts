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
`;
