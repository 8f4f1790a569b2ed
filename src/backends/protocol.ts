/**
 * The `wg` commands a task's prompt asks its agent to run (prompts/protocol.md): every
 * agent backend must let its agent run these, and the task's `verify` command, with the
 * settings `wg init` writes. Kept beside the backends so each can grant exactly these.
 */
export const PROTOCOL_COMMANDS = ['log', 'progress', 'artifact', 'ask', 'fail', 'show', 'context'] as const;

export const protocolCommandList = (): string => PROTOCOL_COMMANDS.map((command) => `\`wg ${command}\``).join(', ');
