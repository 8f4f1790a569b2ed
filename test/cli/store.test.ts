import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempProject, type Project } from '../support/wg.js';

let project: Project;
beforeEach(async () => {
  project = await tempProject();
});
const GOOD =
  '{"kind":"task","id":"a","title":"A","status":"open"}\n{"kind":"task","id":"b","title":"B","status":"open","blocked_by":["a"]}\n';

describe('a corrupted graph.jsonl', () => {
  const cases: Array<[name: string, text: string, message: RegExp]> = [
    [
      'invalid JSON in the middle',
      `${GOOD}{"kind":"task",\n{"kind":"task","id":"c","title":"C","status":"open"}\n`,
      /^error: graph\.jsonl:3: invalid JSON/,
    ],
    [
      'a truncated last line',
      `${GOOD}{"kind":"task","id":"c","title":"C","sta`,
      /^error: graph\.jsonl:3: invalid JSON/,
    ],
    [
      'an unknown status',
      `${GOOD}{"kind":"task","id":"c","title":"C","status":"on-hold"}\n`,
      /^error: graph\.jsonl:3: task "c": status/,
    ],
    [
      'a wrong type',
      `{"kind":"task","id":"a","title":"A","status":"open","tags":"x"}\n`,
      /^error: graph\.jsonl:1: task "a": tags/,
    ],
    [
      'a duplicate id',
      `${GOOD}{"kind":"task","id":"a","title":"A2","status":"open"}\n`,
      /^error: graph\.jsonl:3: duplicate task id "a" \(first on line 1\)/,
    ],
  ];
  for (const [name, text, message] of cases) {
    it(`${name}: one-line error, non-zero exit, file unchanged`, async () => {
      project.writeGraph(text);
      for (const args of [['add', 'New task'], ['list'], ['claim', 'a']]) {
        const result = await project.wg(args);
        expect(result.exitCode).not.toBe(0);
        expect(result.stderr).toMatch(message);
        expect(result.stderr).not.toMatch(/\n\s+at /);
      }
      expect(project.graphText()).toBe(text);
    });
  }
});

describe('a graph wg already validated', () => {
  it('is validated again after an edit in place that keeps its size', async () => {
    await project.ok(['add', 'Alpha', '--id', 'alpha']);
    await project.ok(['list']);
    // Same inode, same length: only the mtime tells the validation cache it changed.
    const text = project.graphText();
    const broken = text.replace('"status":"open"', '"status":"opne"');
    expect(broken.length).toBe(text.length);
    writeFileSync(project.graphPath, broken);
    const result = await project.wg(['list']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/^error: graph\.jsonl:1: task "alpha": status/);
  });

  it('wg check validates even a file the cache vouches for', async () => {
    await project.ok(['add', 'Alpha', '--id', 'alpha']);
    project.writeGraph(project.graphText().replace('"status":"open"', '"status":"opne"'));
    // Forge the stamp so the cache vouches for the broken file: reads trust it, check must not.
    const stat = statSync(project.graphPath, { bigint: true });
    const stamp = join(project.graphPath, '..', 'cache', 'validated');
    const [version] = readFileSync(stamp, 'utf8').split(' ');
    writeFileSync(
      stamp,
      `${version} ${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs} ${Date.now() + 60_000} not-a-digest`,
    );
    expect(await project.ok(['ready'])).toContain('No task is ready');
    const result = await project.wg(['check']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/graph\.jsonl:1: task "alpha": status/);
  });
});

describe('upstream compatibility', () => {
  const fixtures = [
    join(REPO_ROOT, 'test/fixtures/upstream-graph.jsonl'),
    join(REPO_ROOT, '../shared/fixtures/upstream-early-graph.jsonl'),
  ];
  for (const fixture of fixtures) {
    const name = fixture.includes('shared') ? 'the shared upstream graph (../shared)' : 'our upstream-format fixture';
    const present = existsSync(fixture);
    if (!present) console.warn(`SKIPPED: ${fixture} is absent (a fresh clone has no ../shared/)`);
    it.skipIf(!present)(`${name}: answers ready/list/show and rewrites without losing a field`, async () => {
      const original = readFileSync(fixture, 'utf8');
      project.writeGraph(original);
      expect((await project.json<Array<{ id: string }>>(['ready'])).map((t) => t.id)).toEqual(['implement-db']);
      const list = await project.json<Array<{ id: string; status: string; blocked: boolean }>>(['list']);
      expect(list.find((t) => t.id === 'recover-failure')).toMatchObject({ status: 'open', blocked: true });
      expect(list.find((t) => t.id === 'fail-task')).toMatchObject({ status: 'failed', blocked: false });
      const shown = await project.json<{ failure_reason: string; retry_count: number; blockers: unknown[] }>([
        'show',
        'fail-task',
      ]);
      expect(shown).toMatchObject({ failure_reason: 'Exit code 1', retry_count: 1 });
      expect((await project.json<{ blockers: unknown[] }>(['show', 'write-tests'])).blockers).toEqual([
        { id: 'implement-db', status: 'open' },
      ]);

      await project.ok(['log', 'implement-db', 'looked at the schema']);
      const before = original.trimEnd().split('\n');
      const after = project.graphText().trimEnd().split('\n');
      expect(after).toHaveLength(before.length);
      for (let i = 0; i < before.length; i++) {
        if (before[i]!.includes('"id":"implement-db"')) {
          const { log, ...rest } = JSON.parse(after[i]!);
          expect(rest).toEqual(JSON.parse(before[i]!));
          expect(log.at(-1)).toMatchObject({ actor: 'tester', message: 'looked at the schema' });
        } else {
          expect(after[i]).toBe(before[i]);
        }
      }
    });
  }
});

describe('wg init and finding .workgraph', () => {
  it('creates graph.jsonl, a commented config.toml and a .gitignore for runtime files', async () => {
    const dir = join(project.dir, '.workgraph');
    expect(readFileSync(join(dir, 'graph.jsonl'), 'utf8')).toBe('');
    expect(readFileSync(join(dir, 'config.toml'), 'utf8')).toMatch(/^# wg configuration/);
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toMatch(/graph\.lock/);
    expect((await project.wg(['init'])).exitCode).not.toBe(0);
  });

  it('walks up from a subfolder to the nearest .workgraph, and honours --dir and WG_DIR', async () => {
    const { mkdirSync } = await import('node:fs');
    const { runWg } = await import('../support/wg.js');
    const sub = join(project.dir, 'a', 'b');
    mkdirSync(sub, { recursive: true });
    expect((await runWg(['add', 'From below', '--id', 'below'], { cwd: sub })).exitCode).toBe(0);
    expect(project.graphText()).toContain('"below"');
    const elsewhere = join(project.dir, 'other');
    mkdirSync(elsewhere);
    expect((await runWg(['--dir', join(elsewhere, 'wg'), 'init'], { cwd: project.dir })).exitCode).toBe(0);
    expect(
      (await runWg(['add', 'There', '--id', 'there'], { cwd: sub, env: { WG_DIR: join(elsewhere, 'wg') } })).exitCode,
    ).toBe(0);
    expect(readFileSync(join(elsewhere, 'wg', 'graph.jsonl'), 'utf8')).toContain('"there"');
    expect(project.graphText()).not.toContain('"there"');
  });

  it('says how to start when there is no .wg or .workgraph anywhere above', async () => {
    const { runWg } = await import('../support/wg.js');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const result = await runWg(['list'], { cwd: mkdtempSync(join(tmpdir(), 'wg-none-')) });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/^error: no \.wg or \.workgraph here or in any parent folder\nhint: `wg init`/);
  });
});

describe('files a writer left when it died mid-write', () => {
  it('are cleared by the next change: a graph temp file at once, a lock staging file once its pid is gone and it is old', async () => {
    const dir = join(project.dir, '.workgraph');
    const old = new Date(Date.now() - 60_000);
    writeFileSync(join(dir, 'graph.jsonl.123456789'), 'half a graph');
    writeFileSync(join(dir, 'graph.lock.999999999.abcd'), '{}');
    utimesSync(join(dir, 'graph.lock.999999999.abcd'), old, old);
    // Just made: its contender (perhaps in another pid namespace) may be about to link it.
    writeFileSync(join(dir, 'graph.lock.999999998.beef'), '{}');
    await project.ok(['add', 'After the crash']);
    expect(existsSync(join(dir, 'graph.jsonl.123456789'))).toBe(false);
    expect(existsSync(join(dir, 'graph.lock.999999999.abcd'))).toBe(false);
    expect(existsSync(join(dir, 'graph.lock.999999998.beef'))).toBe(true);
    expect(project.graphText()).toContain('After the crash');
  });
});
