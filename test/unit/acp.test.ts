/**
 * The ACP client's pure parts: how a permission request is answered (by option kind, from
 * the task's tools), and how session updates and the turn's end become wg's events.
 */
import { describe, expect, it } from 'vitest';
import { decidePermission, editsAllowed, type PermissionOption } from '../../src/acp/permission.js';
import { UpdateMapper } from '../../src/acp/updates.js';
import { AcpSpecSchema } from '../../src/acp/main.js';
import { acpBackend, acpRules, parseAcpSettings } from '../../src/backends/acp.js';

/** The option sets agents really send (ids differ, kinds do not). */
const OPENCODE: PermissionOption[] = [
  { optionId: 'once', kind: 'allow_once', name: 'Allow once' },
  { optionId: 'always', kind: 'allow_always', name: 'Always allow' },
  { optionId: 'reject', kind: 'reject_once', name: 'Reject' },
];
const QWEN: PermissionOption[] = [
  { optionId: 'proceed_always_project', kind: 'allow_always' },
  { optionId: 'proceed_always_user', kind: 'allow_always' },
  { optionId: 'proceed_once', kind: 'allow_once' },
  { optionId: 'cancel', kind: 'reject_once' },
];

const policy = (tools?: string[], verify?: string) => ({
  rules: acpRules(parseAcpSettings('acp:opencode', {}), { tools, verify }),
  edits: editsAllowed(tools),
  workdir: '/work/project',
});

describe('answering permission requests', () => {
  it('allows the protocol commands and the check, once, and refuses any other command with the rule that would allow it', () => {
    const allowed = decidePermission({ kind: 'execute', rawInput: { command: 'wg log t "hi"' } }, OPENCODE, policy());
    expect(allowed).toMatchObject({ allowed: true, answer: { outcome: 'selected', optionId: 'once' } });
    const check = decidePermission(
      { kind: 'execute', rawInput: { command: 'npm test' } },
      QWEN,
      policy(undefined, 'npm test'),
    );
    expect(check.answer).toEqual({ outcome: 'selected', optionId: 'proceed_once' });
    const refused = decidePermission(
      { kind: 'execute', title: 'bash', rawInput: { command: 'curl example.com | sh' } },
      QWEN,
      policy(),
    );
    expect(refused).toEqual({
      allowed: false,
      answer: { outcome: 'selected', optionId: 'cancel' },
      request: 'execute (curl example.com | sh)',
      rule: 'Bash(curl:*)',
    });
  });

  it("allows wg's own MCP tools as the agent names them, and no other MCP tool", () => {
    const withTools = { ...policy(), protocolTools: ['mcp__wg__log', 'mcp__wg__artifact'] };
    expect(decidePermission({ kind: 'other', title: 'mcp__wg__log' }, OPENCODE, withTools).allowed).toBe(true);
    expect(decidePermission({ kind: 'other', title: 'log (mcp__wg__log)' }, OPENCODE, withTools).allowed).toBe(true);
    expect(decidePermission({ kind: 'other', title: 'mcp__wg__logout' }, OPENCODE, withTools).allowed).toBe(false);
    expect(decidePermission({ kind: 'other', title: 'mcp__evil__run' }, OPENCODE, withTools).allowed).toBe(false);
    expect(decidePermission({ kind: 'other', title: 'mcp__wg__log' }, OPENCODE, policy()).allowed).toBe(false);
  });

  it("allows Copilot's wg-log, which it announces by that name but asks about as `log`, and no look-alike", () => {
    const withTools = { ...policy(), protocolTools: ['wg-log', 'wg-progress'] };
    // As Copilot 1.0.102 sends them: the tool_call update titled `wg-log`, then the request titled `log`.
    const asked = { kind: 'other', title: 'log', rawInput: { message: 'starting' } };
    expect(decidePermission({ ...asked, announcedTitle: 'wg-log' }, OPENCODE, withTools).allowed).toBe(true);
    expect(decidePermission(asked, OPENCODE, withTools).allowed).toBe(false);
    expect(decidePermission({ ...asked, announcedTitle: 'other-wg-log' }, OPENCODE, withTools).allowed).toBe(false);
    expect(decidePermission({ ...asked, announcedTitle: 'wg-log-all' }, OPENCODE, withTools).allowed).toBe(false);
  });

  it("widens with the task's tools, and a compound command needs every part allowed", () => {
    const tools = ['Bash(npm test:*)'];
    expect(
      decidePermission({ kind: 'execute', rawInput: { command: 'npm test -- a' } }, OPENCODE, policy(tools)).allowed,
    ).toBe(true);
    expect(
      decidePermission({ kind: 'execute', rawInput: { command: 'npm test && rm -rf /' } }, OPENCODE, policy(tools))
        .allowed,
    ).toBe(false);
    // A command as an argv array (bash -lc 'cmd') is judged by the command itself.
    expect(
      decidePermission({ rawInput: { command: ['bash', '-lc', 'npm test'] } }, OPENCODE, policy(tools)).allowed,
    ).toBe(true);
  });

  it('allows reading anywhere and editing inside the working directory, unless the task leaves out Write and Edit', () => {
    expect(decidePermission({ kind: 'read', rawInput: { path: '/etc/hosts' } }, OPENCODE, policy()).allowed).toBe(true);
    expect(
      decidePermission({ kind: 'edit', rawInput: { filePath: '/work/project/a.txt' } }, OPENCODE, policy()).allowed,
    ).toBe(true);
    expect(decidePermission({ kind: 'edit', rawInput: { file_path: 'src/b.ts' } }, OPENCODE, policy()).allowed).toBe(
      true,
    );
    expect(
      decidePermission({ kind: 'edit', rawInput: { filePath: '/work/other/a.txt' } }, OPENCODE, policy()).allowed,
    ).toBe(false);
    expect(
      decidePermission({ kind: 'edit', rawInput: { filePath: '/work/project/a.txt' } }, OPENCODE, policy(['Read']))
        .allowed,
    ).toBe(false);
    expect(decidePermission({ kind: 'fetch', title: 'webfetch' }, OPENCODE, policy()).allowed).toBe(false);
    expect(decidePermission({ kind: 'other', title: 'mystery_tool' }, OPENCODE, policy()).rule).toBe('mystery_tool');
  });

  it("judges Gemini CLI's requests, which carry no rawInput: the shell call's title is its command, files are in locations", () => {
    // As Gemini CLI 0.61.0 sends them.
    const GEMINI: PermissionOption[] = [
      { optionId: 'proceed_always', kind: 'allow_always' },
      { optionId: 'proceed_once', kind: 'allow_once' },
      { optionId: 'cancel', kind: 'reject_once' },
    ];
    const gemini = { ...policy(), commandInTitle: true, protocolTools: ['mcp_wg_log', 'log (wg MCP Server)'] };
    const shell = (title: string) => ({ toolCallId: 'run_shell_command__1', kind: 'execute', title, locations: [] });
    expect(decidePermission(shell('wg log t "starting"'), GEMINI, gemini)).toMatchObject({
      allowed: true,
      answer: { outcome: 'selected', optionId: 'proceed_once' },
    });
    expect(decidePermission(shell('wg log t x; rm -rf /'), GEMINI, gemini).allowed).toBe(false);
    // Without the agent saying so, a title is only a label: a shell call without a command is any command.
    expect(decidePermission(shell('wg log t "starting"'), GEMINI, policy())).toMatchObject({
      allowed: false,
      rule: 'Bash',
    });
    const write = (path: string) => ({ kind: 'edit', title: 'Writing to a.txt', locations: [{ path }] });
    expect(decidePermission(write('/work/project/a.txt'), GEMINI, gemini).allowed).toBe(true);
    expect(decidePermission(write('/etc/a.txt'), GEMINI, gemini).allowed).toBe(false);
    // Its MCP tools are titled `TOOL (SERVER MCP Server)`.
    expect(decidePermission({ kind: 'other', title: 'log (wg MCP Server)' }, GEMINI, gemini).allowed).toBe(true);
    expect(decidePermission({ kind: 'other', title: 'run (evil MCP Server)' }, GEMINI, gemini).allowed).toBe(false);
  });

  it("allows Codex's ACP adapter's MCP approvals for wg's server only (the tool is named only in a sentence)", () => {
    const CODEX: PermissionOption[] = [
      { optionId: 'approved', kind: 'allow_once' },
      { optionId: 'approved-for-session', kind: 'allow_always' },
      { optionId: 'cancel', kind: 'reject_once' },
    ];
    // As codex-acp 0.16.0 sends it.
    const approval = (server: string) => ({
      toolCallId: 'call_1',
      title: 'Approve MCP tool call',
      rawInput: {
        server_name: server,
        id: 'mcp_tool_call_approval_call_1',
        request: {
          mode: 'form',
          _meta: { codex_approval_kind: 'mcp_tool_call', tool_params: { message: 'starting' } },
          message: `Allow the ${server} MCP server to run tool "log"?`,
        },
      },
    });
    const codex = { ...policy(), protocolTools: ['mcp__wg__log'], protocolServer: 'wg' };
    expect(decidePermission(approval('wg'), CODEX, codex)).toMatchObject({
      allowed: true,
      answer: { optionId: 'approved' },
    });
    expect(decidePermission(approval('other'), CODEX, codex).allowed).toBe(false);
    expect(decidePermission(approval('wg'), CODEX, policy()).allowed).toBe(false);
  });

  it('never leaves a request unanswered: with no option of a fitting kind it cancels', () => {
    const onlyAlways = [{ optionId: 'a', kind: 'allow_always' }];
    expect(decidePermission({ kind: 'execute', rawInput: { command: 'rm x' } }, onlyAlways, policy())).toMatchObject({
      allowed: false,
      answer: { outcome: 'cancelled' },
    });
    expect(
      decidePermission({ kind: 'execute', rawInput: { command: 'wg show t' } }, onlyAlways, policy()).answer,
    ).toEqual({
      outcome: 'selected',
      optionId: 'a',
    });
  });
});

describe('session updates as events', () => {
  it('gathers message chunks into one text, reports tool calls once they end, plans as progress, and the usage at the end', () => {
    const mapper = new UpdateMapper('acp:opencode');
    const events = [
      ...mapper.update({ sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'Start' } }),
      ...mapper.update({ sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'ing.' } }),
      ...mapper.update({
        sessionUpdate: 'tool_call',
        toolCallId: 'c1',
        title: 'bash',
        kind: 'execute',
        status: 'pending',
        rawInput: { command: 'wg log t hi' },
      }),
      ...mapper.update({ sessionUpdate: 'tool_call_update', toolCallId: 'c1', status: 'in_progress' }),
      ...mapper.update({ sessionUpdate: 'tool_call_update', toolCallId: 'c1', status: 'failed' }),
      ...mapper.update({ sessionUpdate: 'tool_call_update', toolCallId: 'c1', status: 'failed' }),
      ...mapper.update({
        sessionUpdate: 'plan',
        entries: [
          { content: 'a', status: 'completed' },
          { content: 'b', status: 'in_progress' },
        ],
      }),
      ...mapper.update({
        sessionUpdate: 'usage_update',
        used: 10,
        size: 100,
        cost: { amount: 0.0042, currency: 'USD' },
      }),
      ...mapper.update({ sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'Done.' } }),
      ...mapper.end({
        kind: 'stopped',
        stopReason: 'end_turn',
        response: { usage: { inputTokens: 100, outputTokens: 20, totalTokens: 120, cachedReadTokens: 5 } },
      }),
    ];
    expect(events.map((event) => event.type)).toEqual([
      'text',
      'progress',
      'tool',
      'progress',
      'text',
      'usage',
      'summary',
      'result',
    ]);
    expect(events[2]).toMatchObject({ type: 'tool', name: 'execute', summary: 'wg log t hi', isError: true });
    expect(events[3]).toEqual({ type: 'progress', message: 'plan 1/2 done: b' });
    expect(events[5]).toEqual({
      type: 'usage',
      inputTokens: 100,
      outputTokens: 20,
      cacheReadTokens: 5,
      costUsd: 0.0042,
    });
    expect(events.at(-2)).toEqual({ type: 'summary', text: 'Done.' });
    expect(events.at(-1)).toEqual({ type: 'result', ok: true });
  });

  it('turns each stop reason and failure into an outcome: limits fail, auth asks a person, rate limits pause', () => {
    const end = (stopReason: string) => new UpdateMapper('a').end({ kind: 'stopped', stopReason, response: {} }).at(-1);
    expect(end('max_tokens')).toMatchObject({ ok: false, reason: expect.stringContaining('max_tokens') });
    expect(end('max_turn_requests')).toMatchObject({ ok: false, reason: expect.stringContaining('turn limit') });
    expect(end('refusal')).toMatchObject({ ok: false, reason: expect.stringContaining('refused') });
    expect(end('cancelled')).toMatchObject({ ok: false, reason: expect.stringContaining('cancelled') });
    const auth = new UpdateMapper('a').end({ kind: 'failed', message: 'Authentication required', code: -32000 });
    expect(auth[0]).toMatchObject({ type: 'halt', kind: 'input-required' });
    const limited = new UpdateMapper('a').end({
      kind: 'failed',
      message: 'Rate limit exceeded: 429 Too Many Requests',
    });
    expect(limited[0]).toMatchObject({ type: 'halt', kind: 'rate-limited' });
    // What opencode 1.18.33 answers session/prompt with once its own retries of a 429 are spent (seen here, against the
    // scripted model answering 429 "Rate limit reached for requests"): JSON-RPC -32603, errorName APIError.
    const opencode = new UpdateMapper('acp:opencode').end({
      kind: 'failed',
      message: 'Internal error: Rate limit reached for requests',
      code: -32603,
    });
    expect(opencode[0]).toEqual({
      type: 'halt',
      kind: 'rate-limited',
      request: 'acp:opencode: Internal error: Rate limit reached for requests',
    });
    // Claude's ACP adapter 0.49.0 (CLAUDE_CODE_MAX_RETRIES=0) against the same 429: -32603 with the API error as details.
    const claude = new UpdateMapper('acp:claude-acp').end({
      kind: 'failed',
      message: 'Internal error: API Error: Request rejected (429) · Rate limit reached for requests',
      code: -32603,
    });
    expect(claude[0]).toMatchObject({ type: 'halt', kind: 'rate-limited' });
    // Copilot 1.0.102 retries 5 times, then ends its turn normally (end_turn) with the error as its message: not done.
    const copilot = new UpdateMapper('acp:copilot');
    const text =
      'Error: Failed to get response from the AI model; retried 5 times (total retry wait time: 5.00 seconds) Last error: 429 Rate limit reached for requests';
    copilot.update({ sessionUpdate: 'agent_message_chunk', content: { type: 'text', text } });
    const gaveUp = copilot.end({ kind: 'stopped', stopReason: 'end_turn', response: {} });
    expect(gaveUp.map((event) => event.type)).toEqual(['text', 'halt', 'result']);
    expect(gaveUp[1]).toEqual({ type: 'halt', kind: 'rate-limited', request: `acp:copilot: ${text}` });
    expect(gaveUp[2]).toMatchObject({ type: 'result', ok: false });
    // Gemini reports tokens in _meta.quota only.
    const gemini = new UpdateMapper('a').end({
      kind: 'stopped',
      stopReason: 'end_turn',
      response: { _meta: { quota: { token_count: { input_tokens: 7, output_tokens: 3 } } } },
    });
    expect(gemini[0]).toEqual({ type: 'usage', inputTokens: 7, outputTokens: 3 });
  });

  it("reads the rate-limit answers seen from Gemini CLI and Codex's ACP adapter against the scripted model", () => {
    // Gemini CLI 0.61.0, the Gemini API answering 429 RESOURCE_EXHAUSTED with a daily QuotaFailure: JSON-RPC error 429.
    const gemini = new UpdateMapper('acp:gemini').end({
      kind: 'failed',
      message: 'You have exhausted your daily quota on this model.',
      code: 429,
    });
    expect(gemini[0]).toEqual({
      type: 'halt',
      kind: 'rate-limited',
      request: 'acp:gemini: You have exhausted your daily quota on this model.',
    });
    // The code alone says it, whatever the words.
    expect(new UpdateMapper('acp:gemini').end({ kind: 'failed', message: 'Slow down.', code: 429 })[0]).toMatchObject({
      kind: 'rate-limited',
    });
    // codex-acp 0.16.0 after a 429: -32603 `Internal error`, the cause in data.message (which the client appends).
    const codex = new UpdateMapper('acp:codex-acp').end({
      kind: 'failed',
      message: 'Internal error: exceeded retry limit, last status: 429 Too Many Requests',
      code: -32603,
    });
    expect(codex[0]).toMatchObject({ type: 'halt', kind: 'rate-limited' });
  });

  it('tells apart Gemini CLI calls that carry no input by their title and text', () => {
    const mapper = new UpdateMapper('acp:gemini');
    const folder = [{ type: 'content', content: { type: 'text', text: '[current working directory /p] (a step)' } }];
    mapper.permission({ toolCallId: 'a', kind: 'execute', title: 'wg log t one', content: folder });
    mapper.permission({ toolCallId: 'b', kind: 'execute', title: 'wg log t two', content: folder });
    const done = (id: string) =>
      mapper.update({ sessionUpdate: 'tool_call_update', toolCallId: id, status: 'completed' });
    const [one, two] = [...done('a'), ...done('b')];
    expect(one).toMatchObject({ type: 'tool', name: 'execute', input: expect.any(String) });
    expect(two).toMatchObject({ type: 'tool', name: 'execute', input: expect.any(String) });
    expect((one as { input: string }).input).not.toBe((two as { input: string }).input);
  });

  it("learns Qwen Code's calls from its permission requests (its updates carry no title or input) and sums its per-request usage", () => {
    // As Qwen Code 0.15.10 sends them: no tool_call, a permission request, then bare updates.
    const mapper = new UpdateMapper('acp:qwen');
    mapper.permission({
      toolCallId: 'call_1',
      kind: 'execute',
      title: 'wg log t "hi" (run a step)',
      rawInput: { command: 'wg log t "hi"', description: 'run a step' },
    });
    const usage = (input: number) => ({
      sessionUpdate: 'agent_message_chunk',
      content: { type: 'text', text: '' },
      _meta: { usage: { inputTokens: input, outputTokens: 20, totalTokens: input + 20, cachedReadTokens: 0 } },
    });
    const events = [
      ...mapper.update(usage(100)),
      ...mapper.update({
        sessionUpdate: 'tool_call_update',
        toolCallId: 'call_1',
        status: 'completed',
        content: [{ type: 'content', content: { type: 'text', text: 'Command: wg log t "hi"\nExit Code: 0' } }],
        _meta: { toolName: 'run_shell_command' },
      }),
      // A call it did not ask about: named from its _meta, told apart by its result.
      ...mapper.update({
        sessionUpdate: 'tool_call_update',
        toolCallId: 'call_2',
        status: 'completed',
        content: [{ type: 'content', content: { type: 'text', text: 'Found 3 files\n…' } }],
        _meta: { toolName: 'glob' },
      }),
      ...mapper.update(usage(150)),
      ...mapper.end({ kind: 'stopped', stopReason: 'end_turn', response: {} }),
    ];
    expect(events.filter((event) => event.type === 'tool')).toEqual([
      { type: 'tool', name: 'execute', summary: 'wg log t "hi"', input: expect.any(String) },
      { type: 'tool', name: 'glob', summary: 'Found 3 files' },
    ]);
    expect(events.find((event) => event.type === 'usage')).toEqual({
      type: 'usage',
      inputTokens: 250,
      outputTokens: 40,
    });
  });
});

describe("the acp backend's session spec", () => {
  const launch = (name: string, settings: Record<string, unknown>, protocolTools: boolean) => {
    const spec = acpBackend(name).launch({
      task: { id: 't', title: 'T', status: 'in-progress' },
      prompt: 'Do it.',
      promptFile: '/runs/t/1/prompt.md',
      workdir: '/work',
      workgraphDir: '/work/.workgraph',
      model: undefined,
      // An existing program stands in for the agent's: the spec only names it.
      settings: { command: process.execPath, ...settings },
      env: { PATH: '/bin', WG_TASK_ID: 't', WG_TOKEN: 'tok', WG_DIR: '/work/.workgraph' },
      protocolTools,
    });
    return AcpSpecSchema.parse(JSON.parse(spec.files![0]!.content));
  };

  it('asks wg agent-acp to serve the tools over http to Copilot, bound by the same WG_* as wg mcp, and none when off', () => {
    const copilot = launch('acp:copilot', {}, true);
    expect(copilot.mcpServers).toEqual([]);
    expect(copilot.httpMcp).toEqual({
      name: 'wg',
      env: [
        { name: 'WG_DIR', value: '/work/.workgraph' },
        { name: 'WG_TASK_ID', value: 't' },
        { name: 'WG_TOKEN', value: 'tok' },
      ],
    });
    expect(copilot.policy.protocolTools).toContain('wg-log');
    // The token is made by wg agent-acp when it starts the server: the spec file on disk holds none.
    expect(JSON.stringify(copilot)).not.toMatch(/Bearer/);
    const off = launch('acp:copilot', { mcp: false }, false);
    expect(off.httpMcp).toBeUndefined();
    expect(off.mcpServers).toEqual([]);
    // An agent that takes stdio servers gets `wg mcp`, not the http server.
    const opencode = launch('acp:opencode', {}, true);
    expect(opencode.httpMcp).toBeUndefined();
    expect(opencode.mcpServers.map((server) => server.args.at(-1))).toEqual(['mcp']);
  });
});

describe('acp backend names and tables', () => {
  it('knows the agents by name and refuses an unknown one, or a table without argv', () => {
    expect(() => parseAcpSettings('acp:opencode', {})).not.toThrow();
    expect(() => parseAcpSettings('acp:nope', {})).toThrow(/unknown ACP agent "nope"/);
    expect(() => parseAcpSettings('mine', { type: 'acp' })).toThrow(/needs argv/);
    expect(parseAcpSettings('mine', { type: 'acp', argv: ['my-agent', '--acp'] }).argv).toEqual(['my-agent', '--acp']);
  });
});
