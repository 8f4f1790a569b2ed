/** The PostgreSQL store against the store contract, each test on a database of its own on the machine's server. */
import { PostgresGraphStore } from '../../src/store/postgres/postgres-store.js';
import { createDatabase, query } from '../support/postgres.js';
import { describeStoreContract } from './conformance.js';

describeStoreContract('PostgreSQL', async () => {
  const database = await createDatabase();
  const setup = new PostgresGraphStore(database.url);
  try {
    await setup.migrate();
  } finally {
    await setup.close();
  }
  return {
    open: async () => new PostgresGraphStore(database.url),
    writeByHand: async (lines) => {
      const rows = lines.map((line, i) => {
        const { kind, id } = JSON.parse(line) as { kind: string; id: string };
        const quoted = (text: string) => `'${text.replace(/'/g, "''")}'`;
        return `(${i + 1}, ${quoted(kind)}, ${quoted(id)}, ${quoted(line)}::json)`;
      });
      await query(
        database.url,
        `BEGIN; DELETE FROM wg_log; DELETE FROM wg_records; INSERT INTO wg_records (position, kind, id, data) VALUES ${rows.join(', ')}; COMMIT`,
      );
    },
    cleanup: () => database.drop(),
  };
});
