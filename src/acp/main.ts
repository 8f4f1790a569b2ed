/**
 * `wg agent-acp`'s body: read the session's spec (written by the `acp` backend beside the
 * prompt), run one ACP session, and print its events as JSON lines on stdout, the agent's
 * own stderr and wg's notes on stderr. SIGTERM and SIGINT (the runner's timeout, Ctrl-C)
 * cancel the session and stop the agent's process group before this process exits.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { serveMcpHttp } from '../mcp/http.js';
import type { AgentEvent } from '../protocol/agent-event.js';
import { packageVersion } from '../version.js';
import { runAcpSession } from './client.js';

const EnvList = z.array(z.object({ name: z.string(), value: z.string() }));

const McpServerSpec = z.object({
  name: z.string(),
  command: z.string(),
  args: z.array(z.string()),
  env: EnvList,
});

export const AcpSpecSchema = z.strictObject({
  agentName: z.string().min(1),
  file: z.string().min(1),
  args: z.array(z.string()),
  cwd: z.string().min(1),
  promptFile: z.string().min(1),
  mode: z.string().optional(),
  mcpServers: z.array(McpServerSpec),
  resumeSession: z.string().min(1).optional(),
  /** wg's MCP server, served over http from this process, for an agent that takes only http servers. */
  httpMcp: z.strictObject({ name: z.string().min(1), env: EnvList }).optional(),
  policy: z.strictObject({
    rules: z.array(z.string()),
    edits: z.boolean(),
    workdir: z.string(),
    writableRoots: z.array(z.string()).optional(),
    protocolTools: z.array(z.string()).optional(),
    commandInTitle: z.boolean().optional(),
    protocolServer: z.string().optional(),
  }),
});
export type AcpSpec = z.infer<typeof AcpSpecSchema>;

export async function runAcpAgent(specFile: string): Promise<number> {
  const spec = AcpSpecSchema.parse(JSON.parse(readFileSync(specFile, 'utf8')));
  const prompt = readFileSync(spec.promptFile, 'utf8');
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  let ok = false;
  const emit = (event: AgentEvent) => {
    if (event.type === 'result') ok = event.ok;
    process.stdout.write(`${JSON.stringify(event)}\n`);
  };
  const httpMcp = spec.httpMcp;
  // Bound to the attempt as `wg mcp` would be: the attempt's WG_* over this process's environment.
  const bound = httpMcp && {
    ...process.env,
    ...Object.fromEntries(httpMcp.env.map((entry) => [entry.name, entry.value])),
  };
  const note = (line: string) => process.stderr.write(`${line}\n`);
  await runAcpSession({
    agentName: spec.agentName,
    file: spec.file,
    args: spec.args,
    cwd: spec.cwd,
    env: process.env,
    prompt,
    mode: spec.mode,
    mcpServers: spec.mcpServers,
    resumeSession: spec.resumeSession,
    httpMcp:
      httpMcp && bound?.WG_TASK_ID
        ? {
            name: httpMcp.name,
            start: () =>
              serveMcpHttp({ taskId: bound.WG_TASK_ID!, cwd: spec.cwd, env: bound }, packageVersion(), (error) =>
                note(`wg: the http MCP server failed a request: ${error.message}`),
              ),
          }
        : undefined,
    policy: spec.policy,
    emit,
    note,
    signal: stop.signal,
  });
  return stop.signal.aborted ? 143 : ok ? 0 : 1;
}
