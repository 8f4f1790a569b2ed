/**
 * Protocol conformance of the ACP agents (the cases: ../support/conformance.ts): opencode,
 * Claude Code's ACP adapter and Copilot CLI, the real programs from npm over `acp:NAME`,
 * pointed at the scripted server, reporting through wg's MCP tools where their prompt
 * names them. Each runs the two-task graph in a git repository; opencode also asks a person
 * through `wg_ask`. A plain folder and a subfolder working_dir are the runner's business,
 * the same for every backend: the headless file covers them.
 */
import { KNOWN_ACP_AGENTS } from '../../src/acp/known-agents.js';
import { locateAcpAgent } from '../../src/backends/acp.js';
import { ACP_AGENT_ENV, announceSkip, type AgentProgram } from '../support/agents.js';
import { describeAsking, describeTwoTaskGraph, useCleanups, type Subject } from '../support/conformance.js';

/** An ACP agent from npm, as wg finds it beside itself. */
function findAcp(name: keyof typeof ACP_AGENT_ENV): AgentProgram {
  const found = locateAcpAgent(KNOWN_ACP_AGENTS[name], undefined, '', process.cwd());
  const program: AgentProgram = found
    ? { path: found.path, version: undefined, skipReason: undefined }
    : { path: undefined, version: undefined, skipReason: `${KNOWN_ACP_AGENTS[name].npm} is not installed beside wg` };
  announceSkip(`acp:${name} protocol conformance`, program);
  return program;
}

const opencode: Subject = {
  backend: 'acp:opencode',
  slow: true,
  api: 'chat',
  program: findAcp('opencode'),
  env: (server, home) => ACP_AGENT_ENV.opencode(server.url, home),
  toolPrefix: KNOWN_ACP_AGENTS.opencode.mcpToolPrefix,
};

const SUBJECTS: Subject[] = [
  opencode,
  {
    backend: 'acp:claude-acp',
    slow: true,
    api: 'anthropic',
    program: findAcp('claude-acp'),
    env: (server) => ACP_AGENT_ENV['claude-acp'](server.url),
    toolPrefix: KNOWN_ACP_AGENTS['claude-acp'].mcpToolPrefix,
  },
  {
    backend: 'acp:copilot',
    slow: true,
    api: 'chat',
    program: findAcp('copilot'),
    // Copilot takes only http MCP servers: wg agent-acp serves the tools to it itself.
    env: (server) => ACP_AGENT_ENV.copilot(server.url),
    toolPrefix: KNOWN_ACP_AGENTS.copilot.mcpToolPrefix,
  },
];

useCleanups();
// Each is a large program, slow to start: the git repository alone (worktrees and a continued session), not the plain folder too.
describeTwoTaskGraph(SUBJECTS, { gitOnly: true });
describeAsking([opencode]);
