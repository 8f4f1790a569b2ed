/** The scripted model the conformance tests use: it must follow a prompt the way it says, including waiting for slow commands. */
import { describe, expect, it } from 'vitest';
import { followProtocol, toolResults } from '../support/protocol-follower.js';

const PROMPT = [
  '# Task `t`: Make it',
  '',
  '## What to deliver',
  '',
  '- `a.txt`',
  '',
  '## Working directory and tools',
  '',
  'Working directory: `/w`',
  '',
  'Project root: `/w` (deliverable and artifact paths above are relative to it)',
  '',
  '## Protocol',
  '',
  '- Report: `wg log t "what you did"`, `wg progress t 50 "half"`.',
  '- Register: `wg artifact t path/to/file`.',
].join('\n');

const codexTools = [
  { type: 'function', name: 'exec_command' },
  { type: 'function', name: 'write_stdin' },
];
const user = { type: 'message', role: 'user', content: [{ type: 'input_text', text: PROMPT }] };
const call = (cmd: string) => ({ type: 'function_call', name: 'exec_command', arguments: JSON.stringify({ cmd }) });
const output = (text: string) => ({ type: 'function_call_output', output: text });

describe('the protocol follower', () => {
  it('takes the command forms from the Protocol section and steps through them', () => {
    expect(followProtocol('openai', { tools: codexTools, input: [user] })).toEqual({
      tool: 'exec_command',
      input: { cmd: 'wg log t "starting: Make it"', yield_time_ms: 30000 },
    });
    const second = followProtocol('openai', {
      tools: codexTools,
      input: [user, call('wg log t'), output('Process exited with code 0\nOutput:\n')],
    });
    expect(second).toEqual({
      tool: 'exec_command',
      input: { cmd: 'wg progress t 50 "writing the deliverables"', yield_time_ms: 30000 },
    });
  });

  it('waits for a command still running before the next step, and counts only its final result', () => {
    const input = [user, call('wg log t'), output('Chunk ID: x\nProcess running with session ID 7\nOutput:\n')];
    expect(followProtocol('openai', { tools: codexTools, input })).toEqual({
      tool: 'write_stdin',
      input: { session_id: 7, chars: '', yield_time_ms: 30000 },
    });
    const polled = [
      ...input,
      { type: 'function_call', name: 'write_stdin', arguments: '{}' },
      output('Process exited with code 0\n'),
    ];
    expect(followProtocol('openai', { tools: codexTools, input: polled })).toMatchObject({
      tool: 'exec_command',
      input: { cmd: 'wg progress t 50 "writing the deliverables"' },
    });
    expect(toolResults('openai', { input: polled })).toEqual([{ ok: true, output: 'Process exited with code 0\n' }]);
  });
});
