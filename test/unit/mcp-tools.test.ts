import { describe, expect, it } from 'vitest';
import { claudeArgs, claudeMcpConfig, parseClaudeSettings } from '../../src/backends/claude.js';
import { mcpServerSpec } from '../../src/mcp/spec.js';
import { builtInTool, toolArgv, WG_TOOL_NAMES } from '../../src/mcp/tools.js';
import { wgToolDefinitions } from '../../src/agent/wg-tools.js';

describe("the protocol's tools", () => {
  it('run the wg command on the bound task, arguments after `--` so none is taken for an option', () => {
    expect(toolArgv('log', { message: '--force' }, 'build')).toEqual({ argv: ['log', '--', 'build', '--force'] });
    expect(toolArgv('progress', { percent: 40 }, 'build')).toEqual({ argv: ['progress', '--', 'build', '40'] });
    expect(toolArgv('fail', { reason: '-x broke' }, 'build')).toEqual({
      argv: ['fail', '--reason=-x broke', '--', 'build'],
    });
    expect(toolArgv('show', {}, 'build')).toEqual({ argv: ['show', '--', 'build'] });
    expect(toolArgv('context', { id: 'design' }, 'build')).toEqual({ argv: ['context', '--', 'design'] });
    expect(toolArgv('log', { message: '  ' }, 'build')).toHaveProperty('error');
    expect(toolArgv('progress', { percent: 101 }, 'build')).toHaveProperty('error');
  });

  it('are offered by the built-in agent as wg_NAME, with JSON schemas from the same zod inputs', () => {
    const definitions = wgToolDefinitions();
    expect(definitions.map((tool) => tool.name)).toEqual(WG_TOOL_NAMES.map((name) => `wg_${name}`));
    expect(definitions[0]!.input_schema).toMatchObject({ type: 'object', required: ['message'] });
    expect(builtInTool('wg_artifact')).toBe('artifact');
    expect(builtInTool('wg_rm')).toBeUndefined();
  });

  it('reach Claude Code as one --mcp-config server, pre-approved, its token left off the command line', () => {
    const spec = mcpServerSpec({ WG_TASK_ID: 'build', WG_TOKEN: 'secret-token', PATH: '/bin', HOME: '/h' });
    expect(spec.env).toEqual({ WG_TASK_ID: 'build', WG_TOKEN: 'secret-token' });
    expect(spec.args.at(-1)).toBe('mcp');
    const args = claudeArgs(
      parseClaudeSettings('claude', {}),
      { task: { id: 'build' } as never, model: undefined },
      spec,
    );
    expect(args[args.indexOf('--mcp-config') + 1]).toBe(claudeMcpConfig(spec));
    expect(args.join(' ')).not.toContain('secret-token');
    const allowed = args.slice(args.indexOf('--allowedTools') + 1, args.indexOf('--disallowedTools'));
    expect(allowed.slice(0, 7)).toEqual(WG_TOOL_NAMES.map((name) => `mcp__wg__${name}`));
    expect(
      claudeArgs(parseClaudeSettings('claude', {}), { task: { id: 'build' } as never, model: undefined }),
    ).not.toContain('--mcp-config');
  });
});
