/**
 * How wg's ACP client continues an earlier session (a trajectory's next step, a retry that
 * repairs its own work), driven through the real `wg agent-acp` against a scripted ACP agent
 * (../fixtures/acp-agent.mjs) that can resume, load (replaying the old turn) or neither.
 * The real agents' continued sessions are in protocol-conformance.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runWg } from '../support/wg.js';

const dir = mkdtempSync(join(tmpdir(), 'wg-acp-sessions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function session(continues: 'resume' | 'load' | 'none', resumeSession?: string) {
  const promptFile = join(dir, 'prompt.md');
  writeFileSync(promptFile, 'Do the work.\n');
  const spec = join(dir, `spec-${continues}-${resumeSession ?? 'new'}.json`);
  writeFileSync(
    spec,
    JSON.stringify({
      agentName: 'acp:fake',
      file: process.execPath,
      args: [join(REPO_ROOT, 'test', 'fixtures', 'acp-agent.mjs')],
      cwd: dir,
      promptFile,
      mcpServers: [],
      ...(resumeSession ? { resumeSession } : {}),
      policy: { rules: [], edits: true, workdir: dir },
    }),
  );
  const result = await runWg(['agent-acp', '--spec', spec], { cwd: dir, env: { FAKE_ACP_CONTINUES: continues } });
  const events = result.stdout
    .split('\n')
    .filter(Boolean)
    .map(
      (line) => JSON.parse(line) as { type: string; text?: string; ok?: boolean; reason?: string; sessionId?: string },
    );
  return { ...result, events, texts: events.filter((event) => event.type === 'text').map((event) => event.text) };
}

describe('wg agent-acp continuing an earlier session', () => {
  it('starts a new session when none is to be continued, and names it in the result', async () => {
    const run = await session('resume');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.texts).toEqual(['working in new-session']);
    expect(run.events.at(-1)).toMatchObject({ type: 'result', ok: true, sessionId: 'new-session' });
  });

  it('resumes it with session/resume where the agent offers that', async () => {
    const run = await session('resume', 'old-session');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.texts).toEqual(['working in old-session']);
    expect(run.events.at(-1)).toMatchObject({ type: 'result', ok: true, sessionId: 'old-session' });
    expect(run.stderr).toContain('continues acp:fake session old-session (session/resume)');
  });

  it("loads it with session/load otherwise, and the replayed old turn is not reported as this attempt's work", async () => {
    const run = await session('load', 'old-session');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.texts).toEqual(['working in old-session']);
    expect(JSON.stringify(run.events)).not.toContain('REPLAYED');
    expect(run.stderr).toContain('(session/load)');
  });

  it('fails the attempt, saying a retry starts afresh, when the session cannot be continued', async () => {
    const unable = await session('none', 'old-session');
    expect(unable.exitCode).not.toBe(0);
    expect(unable.events.at(-1)).toMatchObject({ type: 'result', ok: false });
    expect(unable.events.at(-1)!.reason).toMatch(
      /could not continue the earlier session old-session \(the agent can neither resume nor load a session\); a retry starts a fresh session/,
    );
    expect(unable.texts).toEqual([]);
    const gone = await session('resume', 'gone-session');
    expect(gone.exitCode).not.toBe(0);
    expect(gone.events.at(-1)!.reason).toMatch(/could not continue the earlier session gone-session \(.*\)/);
    expect(gone.events.at(-1)!.sessionId).toBeUndefined();
  });
});
