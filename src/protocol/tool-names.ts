/** The built-in agent's tool names, and which of them a task gets (light: the backend imports it at launch). */

export const AGENT_TOOL_NAMES = ['read_file', 'write_file', 'edit_file', 'list_files', 'search_files', 'bash'] as const;
export type AgentToolName = (typeof AGENT_TOOL_NAMES)[number];

/** The tools to offer: those the task's `tools` name (matching Claude Code's names too), else `defaults`. */
export function chooseTools(
  taskTools: readonly string[] | undefined,
  defaults: readonly AgentToolName[],
): AgentToolName[] {
  if (taskTools === undefined) return [...defaults];
  const aliases: Record<string, AgentToolName> = {
    read: 'read_file',
    write: 'write_file',
    edit: 'edit_file',
    ls: 'list_files',
    glob: 'list_files',
    grep: 'search_files',
    shell: 'bash',
  };
  const chosen = new Set<AgentToolName>();
  for (const tool of taskTools) {
    // Claude Code style rules such as Bash(npm test) name the tool before the parenthesis.
    const name = tool.trim().replace(/\(.*$/s, '').toLowerCase();
    if ((AGENT_TOOL_NAMES as readonly string[]).includes(name)) chosen.add(name as AgentToolName);
    else if (Object.hasOwn(aliases, name)) chosen.add(aliases[name]!);
  }
  return AGENT_TOOL_NAMES.filter((name) => chosen.has(name));
}
