/** A temp project whose default backend is the scriptable fake agent (test/fixtures/fake-agent.mjs). */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, tempProject, type Project } from './wg.js';

export const FAKE_AGENT = join(REPO_ROOT, 'test', 'fixtures', 'fake-agent.mjs');

export async function fakeProject(
  runSettings = 'retry_backoff = "50ms"\ngrace = "300ms"\nmax_steps = 1',
): Promise<Project> {
  const project = await tempProject();
  writeFileSync(
    join(project.dir, '.workgraph', 'config.toml'),
    `[defaults]\nbackend = "fake"\nmax_retries = 2\n\n[backends.fake]\ntype = "command"\nargv = ["node", ${JSON.stringify(FAKE_AGENT)}, "{prompt_file}"]\n\n[run]\n${runSettings}\n`,
  );
  return project;
}

/** A --prompt value carrying a fake-agent script. */
export function script(steps: unknown[], text = 'Do the work.'): string {
  return `${text}\n\n\`\`\`fake-agent\n${JSON.stringify(steps)}\n\`\`\`\n`;
}

/** Whether a pid names a live (non-zombie) process. */
export function alive(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  const fields = readFileSync(stat, 'utf8');
  return !/\) [ZX] /.test(fields);
}

/** Poll for a condition that another process will make true (bounded: fails the test after `ms`). */
export async function waitFor(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
