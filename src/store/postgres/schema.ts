/**
 * The graph's tables, as versioned migrations. Records are rows in their upstream JSON
 * (`json`, not `jsonb`, so key order and unknown fields survive), in the order a
 * graph.jsonl would list them; a task's log entries live in a table of their own and are
 * only ever appended.
 */
import type { Database } from './connect.js';

export const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE wg_records (
        position bigint PRIMARY KEY,
        kind text NOT NULL,
        id text NOT NULL,
        data json NOT NULL
      );
      CREATE UNIQUE INDEX wg_records_identity ON wg_records (kind, id) WHERE kind IN ('task', 'actor', 'resource');
      CREATE TABLE wg_log (
        seq bigserial PRIMARY KEY,
        task_id text NOT NULL,
        entry json NOT NULL
      );
      CREATE INDEX wg_log_task ON wg_log (task_id, seq);
    `,
  },
  {
    // A counter every change to the records or the log advances, by trigger (so a writer that
    // does not know of it, a person's SQL included, advances it too): a process that read the
    // graph at version N knows, from one row, whether it may use what it read.
    version: 2,
    sql: `
      CREATE TABLE wg_version (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), version bigint NOT NULL);
      INSERT INTO wg_version (version) VALUES (0);
      CREATE FUNCTION wg_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN UPDATE wg_version SET version = version + 1; RETURN NULL; END
      $$;
      CREATE TRIGGER wg_records_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON wg_records FOR EACH STATEMENT EXECUTE FUNCTION wg_bump_version();
      CREATE TRIGGER wg_log_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON wg_log FOR EACH STATEMENT EXECUTE FUNCTION wg_bump_version();
    `,
  },
];

export const LATEST_VERSION = MIGRATIONS.at(-1)!.version;

/** Key of the advisory lock every graph transaction takes: one writer at a time, on any machine. */
export const GRAPH_LOCK_KEY = 0x77_67_67_72; // "wggr"

/** Bring the schema up to the newest migration, each in its own transaction; returns the version now. */
export async function migrate(db: Database): Promise<number> {
  await db.query(
    'CREATE TABLE IF NOT EXISTS wg_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  for (const migration of MIGRATIONS) {
    await db.transaction(async (tx) => {
      // Two processes migrating at once: the second waits here, then finds the version applied.
      await tx.query('SELECT pg_advisory_xact_lock($1)', [GRAPH_LOCK_KEY]);
      const [applied] = await tx.query('SELECT 1 FROM wg_migrations WHERE version = $1', [migration.version]);
      if (applied) return;
      await tx.query(migration.sql);
      await tx.query('INSERT INTO wg_migrations (version) VALUES ($1)', [migration.version]);
    });
  }
  return MIGRATIONS.at(-1)!.version;
}
