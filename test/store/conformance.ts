/**
 * What every store promises (`WorkspaceStore` in src/store/store.ts), as one suite run against
 * each implementation: test/store/file.test.ts and test/store/postgres.test.ts. A new store
 * passes this before any command is pointed at it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GraphFileError, InvalidInputError } from '../../src/errors.js';
import { addTask, editTask } from '../../src/graph/edit.js';
import { getTask } from '../../src/graph/model.js';
import { appendLog, claimTask, completeTask, type Caller } from '../../src/graph/transitions.js';
import { parseGraph } from '../../src/store/jsonl.js';
import type { WorkspaceStore } from '../../src/store/store.js';

/** One graph, as a store implementation keeps it, that any number of stores can open. */
export interface StoreFixture {
  /** A new store on the graph: each call is what another process (or machine) would open. */
  open(): Promise<WorkspaceStore>;
  /** Replace the stored records with these upstream lines, behind wg's back (a person with an editor or psql). */
  writeByHand(lines: string[]): Promise<void>;
  /** Remove the graph again. */
  cleanup(): Promise<void>;
}

/** Make an empty graph, as `wg init` leaves it. */
export type StoreFactory = () => Promise<StoreFixture>;

const NOW = new Date('2026-01-01T00:00:00Z');
const by = (actor: string): Caller => ({ actor, now: NOW, force: false });

/** A change that takes a while between reading and writing, as a slow command's would. */
const aMoment = () => new Promise((resolve) => setImmediate(resolve));

export function describeStoreContract(name: string, factory: StoreFactory): void {
  describe(`the store contract: ${name}`, () => {
    const fixtures: StoreFixture[] = [];
    const stores: WorkspaceStore[] = [];
    afterEach(async () => {
      for (const store of stores.splice(0)) await store.close?.();
      for (const fixture of fixtures.splice(0)) await fixture.cleanup();
    });

    async function graph(): Promise<StoreFixture> {
      const fixture = await factory();
      fixtures.push(fixture);
      return fixture;
    }

    async function open(fixture: StoreFixture): Promise<WorkspaceStore> {
      const store = await fixture.open();
      stores.push(store);
      return store;
    }

    it('a new graph loads empty and parses without problems', async () => {
      const store = await open(await graph());
      const loaded = await store.load();
      expect([loaded.tasks.size, loaded.actors.size, loaded.resources.size]).toEqual([0, 0, 0]);
      const parsed = await store.parse();
      expect(parsed.problems).toEqual([]);
      expect(parsed.lines).toEqual([]);
    });

    it('transact returns what the change returns, and what it wrote is read back by this store and by another', async () => {
      const fixture = await graph();
      const [writer, reader] = [await open(fixture), await open(fixture)];
      const added = await writer.transact(
        (g) => addTask(g, { title: 'Design API', add: { skills: ['design'] } }, NOW).task,
      );
      expect(added).toMatchObject({ id: 'design-api', status: 'open' });
      for (const store of [writer, reader])
        expect(getTask(await store.load(), 'design-api')).toMatchObject({ title: 'Design API', skills: ['design'] });
      expect((await reader.parse()).lines.map((line) => line.id)).toEqual(['design-api']);
    });

    it('edits and transitions go through transact, each read after write', async () => {
      const fixture = await graph();
      const store = await open(fixture);
      await store.transact((g) => addTask(g, { title: 'Build', id: 'build' }, NOW));
      await store.transact((g) => editTask(g, 'build', { set: { title: 'Build the API' }, add: { tags: ['api'] } }));
      expect(getTask(await store.load(), 'build')).toMatchObject({ title: 'Build the API', tags: ['api'] });
      await store.transact((g) => claimTask(g, 'build', by('alice'), { tokenHash: 'hash' }));
      expect(getTask(await store.load(), 'build')).toMatchObject({ status: 'in-progress', assigned: 'alice' });
      await store.transact((g) => appendLog(g, 'build', by('alice'), 'halfway'));
      await store.transact((g) => completeTask(g, 'build', { ...by('alice'), force: true }, 'built'));
      const done = getTask(await (await open(fixture)).load(), 'build');
      expect(done.status).toBe('done');
      expect(done.log?.map((entry) => entry.message)).toContain('halfway');
    });

    it('a change that throws writes nothing, and its own error reaches the caller', async () => {
      const fixture = await graph();
      const store = await open(fixture);
      await store.transact((g) => addTask(g, { title: 'Kept', id: 'kept' }, NOW));
      await expect(
        store.transact((g) => {
          editTask(g, 'kept', { set: { title: 'Changed, then refused' } });
          throw new InvalidInputError('refused');
        }),
      ).rejects.toThrow(InvalidInputError);
      for (const reader of [store, await open(fixture)])
        expect(getTask(await reader.load(), 'kept').title).toBe('Kept');
    });

    it('concurrent changes from several stores serialise: no update is lost', async () => {
      const fixture = await graph();
      const first = await open(fixture);
      await first.transact((g) => addTask(g, { title: 'Counter', id: 'counter' }, NOW));
      const writers = [first, await open(fixture), await open(fixture)];
      const perWriter = 8;
      await Promise.all(
        writers.flatMap((store, w) =>
          Array.from({ length: perWriter }, () =>
            store.transact(async (g) => {
              // Read, wait, write: two changes that overlapped would both start from the same log.
              const seen = getTask(g, 'counter').log?.length ?? 0;
              await aMoment();
              appendLog(g, 'counter', by(`w${w}`), `entry ${seen}`);
            }),
          ),
        ),
      );
      const log = getTask(await (await open(fixture)).load(), 'counter').log ?? [];
      expect(log).toHaveLength(writers.length * perWriter);
      // Each change saw every change before it.
      expect(log.map((entry) => entry.message)).toEqual(log.map((_, i) => `entry ${i}`));
    });

    it('a store that keeps the graph it read sees every change made since, by another store or by hand', async () => {
      const fixture = await graph();
      const [kept, other] = [await open(fixture), await open(fixture)];
      await other.transact((g) => addTask(g, { title: 'Kept', id: 'kept' }, NOW));
      expect(getTask(await kept.load(), 'kept').title).toBe('Kept');
      await other.transact((g) => editTask(g, 'kept', { set: { title: 'Kept, edited by another store' } }));
      expect(getTask(await kept.load(), 'kept').title).toBe('Kept, edited by another store');
      await fixture.writeByHand(['{"kind":"task","id":"kept","title":"Kept, edited by hand","status":"open"}']);
      expect(getTask(await kept.load(), 'kept').title).toBe('Kept, edited by hand');
      // And a change through the store starts from what is there now.
      await kept.transact((g) => editTask(g, 'kept', { set: { title: 'Kept, edited through the store' } }));
      expect(getTask(await other.load(), 'kept').title).toBe('Kept, edited through the store');
    });

    it('an invalid record written by hand: load and transact refuse, parse reports it and keeps the valid ones', async () => {
      const fixture = await graph();
      const store = await open(fixture);
      const lines = [
        '{"kind":"task","id":"a","title":"A","status":"open"}',
        '{"kind":"task","id":"b","title":"B","status":"opne"}',
      ];
      await fixture.writeByHand(lines);
      await expect(store.load()).rejects.toThrow(GraphFileError);
      await expect(store.transact((g) => addTask(g, { title: 'New' }, NOW))).rejects.toThrow(/task "b": status/);
      const parsed = await store.parse({ revalidate: true });
      expect(parsed.problems).toEqual([expect.stringMatching(/:2: task "b": status/)]);
      expect([...parsed.graph.tasks.keys()]).toEqual(['a']);
    });

    it('derived computes from the graph as it stands, and again once it changed', async () => {
      const fixture = await graph();
      const store = await open(fixture);
      const count = (g: { tasks: Map<string, unknown> }) => g.tasks.size;
      expect(await store.derived('count', count)).toBe(0);
      await (await open(fixture)).transact((g) => addTask(g, { title: 'One' }, NOW));
      expect(await store.derived('count', count)).toBe(1);
      expect(await (await open(fixture)).derived('count', count)).toBe(1);
    });

    it('replaceAll puts exactly the given records in place of the old ones', async () => {
      const fixture = await graph();
      const store = await open(fixture);
      await store.transact((g) => addTask(g, { title: 'Old', id: 'old' }, NOW));
      const text =
        '{"kind":"task","id":"x","title":"X","status":"open","log":[{"timestamp":"2026-01-01T00:00:00Z","actor":"a","message":"hi"}]}\n' +
        '{"kind":"actor","id":"alice","capabilities":["ts"]}\n';
      const { recordProblem } = await import('../../src/graph/schema.js');
      await store.replaceAll(parseGraph(text, recordProblem, 'import'));
      for (const reader of [store, await open(fixture)]) {
        const loaded = await reader.load();
        expect([...loaded.tasks.keys()]).toEqual(['x']);
        expect(getTask(loaded, 'x').log?.[0]?.message).toBe('hi');
        expect([...loaded.actors.keys()]).toEqual(['alice']);
      }
    });

    it('watch reports a change another store commits, and stops when told', async () => {
      const fixture = await graph();
      const [watched, writer] = [await open(fixture), await open(fixture)];
      let changes = 0;
      let heard: () => void = () => undefined;
      const stop = await watched.watch(() => {
        changes++;
        heard();
      });
      const first = new Promise<void>((resolve) => (heard = resolve));
      await writer.transact((g) => addTask(g, { title: 'Watched' }, NOW));
      await first;
      expect(changes).toBeGreaterThan(0);
      await stop();
    });

    it('settle, where a store has it, leaves the graph as it was', async () => {
      const fixture = await graph();
      const store = await open(fixture);
      await store.transact((g) => addTask(g, { title: 'Settled', id: 'settled' }, NOW));
      await store.settle?.();
      expect([...(await (await open(fixture)).load()).tasks.keys()]).toEqual(['settled']);
    });
  });
}
