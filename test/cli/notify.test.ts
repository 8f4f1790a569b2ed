/**
 * Notifications (issue 21 §4), through the built `wg` and real processes: a loopback webhook
 * receives one JSON object per event of a run with a pending review and a failed task, at
 * most once per task and kind per debounce; a notifier that fails or hangs is logged and
 * changes nothing else about the run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initRepo } from '../support/git.js';
import { tempProject, type Project } from '../support/wg.js';

interface Sent {
  kind: string;
  task?: string;
  text: string;
  command?: string;
}

async function withWebhook<T>(use: (url: string, received: Sent[]) => Promise<T>): Promise<T> {
  const received: Sent[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push(JSON.parse(body) as Sent);
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received);
  } finally {
    server.close();
  }
}

/** The config wg init wrote, with these settings in its [notify] table. */
async function projectWith(notify: string): Promise<Project> {
  const project = await tempProject();
  await initRepo(project.dir);
  const configPath = join(project.dir, '.workgraph', 'config.toml');
  writeFileSync(configPath, readFileSync(configPath, 'utf8').replace(/^\[notify\]$/m, `[notify]\n${notify}`));
  await project.ok(['add', 'Review me', '--id', 'review-me', '--exec', 'echo ok > r.txt', '--validation', 'external']);
  await project.ok(['add', 'Break', '--id', 'break', '--exec', 'exit 1', '--max-retries', '0']);
  return project;
}

describe('[notify]', () => {
  it('a webhook receives one JSON per event: the pending review, the failure and the end of the run', async () => {
    await withWebhook(async (url, received) => {
      const project = await projectWith(`webhook = "${url}"`);
      const run = await project.wg(['run', '--no-wait']);
      expect(run.exitCode, run.stdout + run.stderr).toBe(1);
      // wg waits for its messages before it exits: all are in.
      expect(received.map((event) => [event.kind, event.task, event.command])).toEqual(
        expect.arrayContaining([
          [
            'pending-validation',
            'review-me',
            'wg diff review-me, then wg approve review-me or wg reject review-me --reason TEXT',
          ],
          ['failed', 'break', 'wg retry break'],
          ['run-finished', undefined, 'wg inbox'],
        ]),
      );
      expect(received).toHaveLength(3);
      for (const event of received) expect(event.text).not.toContain('\n');

      // Another run sees the same failure within the debounce: only its end is news.
      const again = await project.wg(['run', '--no-wait']);
      expect(again.exitCode).toBe(1);
      expect(received.slice(3).map((event) => event.kind)).toEqual(['run-finished']);
    });
  });

  it('a notifier that fails or hangs is logged, and the run ends as it would have', async () => {
    for (const command of ['["node", "-e", "process.exit(1)"]', '["node", "-e", "setInterval(() => {}, 1000)"]']) {
      const project = await projectWith(`command = ${command}`);
      const run = await project.wg(['run', '--no-wait']);
      expect(run.exitCode, run.stdout + run.stderr).toBe(1);
      expect(run.stdout).toMatch(/warning notify command failed: node (exited 1|did not finish within 10s; killed)/);
      expect((await project.show('review-me')).status).toBe('pending-validation');
      expect((await project.show('break')).status).toBe('failed');
    }
  }, 60_000);
});
