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
`;
