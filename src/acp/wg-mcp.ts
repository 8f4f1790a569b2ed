/**
 * wg's own MCP server (the protocol as tools) as an ACP `session/new` entry: `wg mcp` on
 * stdio for agents that start servers themselves, or, for agents that take only http
 * servers (Copilot), the same tools served over http by `wg agent-acp` itself for the
 * length of the session (src/mcp/http.ts), reached with a bearer token only the agent gets.
 * Both are bound to the attempt by the same WG_* variables.
 */
import { mcpServerSpec } from '../mcp/spec.js';
import type { HttpMcpServer } from '../mcp/http.js';

type EnvList = Array<{ name: string; value: string }>;

export interface StdioMcpServer {
  name: string;
  command: string;
  args: string[];
  env: EnvList;
}

/** What `wg agent-acp` needs to serve wg's tools over http: the name the agent knows it by, and the attempt's WG_*. */
export interface WgHttpMcp {
  name: string;
  env: EnvList;
}

export interface HttpMcpEntry {
  type: 'http';
  name: string;
  url: string;
  headers: EnvList;
}

const list = (env: Record<string, string>): EnvList => Object.entries(env).map(([name, value]) => ({ name, value }));

/** The stdio server bound to the attempt whose agent environment is `env` (its WG_* variables). */
export function wgMcpServer(env: Record<string, string | undefined>): StdioMcpServer {
  const spec = mcpServerSpec(env);
  return { name: spec.name, command: spec.command, args: spec.args, env: list(spec.env) };
}

/** The http server to start for the attempt whose agent environment is `env`. */
export function wgHttpMcp(env: Record<string, string | undefined>): WgHttpMcp {
  const spec = mcpServerSpec(env);
  return { name: spec.name, env: list(spec.env) };
}

/** The `session/new` entry for a running http server. */
export function httpMcpEntry(name: string, server: Pick<HttpMcpServer, 'url' | 'authorization'>): HttpMcpEntry {
  return { type: 'http', name, url: server.url, headers: [{ name: 'Authorization', value: server.authorization }] };
}
