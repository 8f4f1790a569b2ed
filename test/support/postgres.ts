/**
 * A database of its own for each test, on the machine's PostgreSQL (127.0.0.1:5432, trust
 * authentication; `.ci/run` starts it when it is down). Dropped again by `drop`.
 */
import pg from 'pg';

export const PG_HOST = process.env.WG_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

let counter = 0;

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: `${PG_HOST}/postgres` });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createDatabase(): Promise<TestDatabase> {
  const name = `wg_test_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: `${PG_HOST}/${name}`,
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Run SQL against a test database (to look at what wg stored). */
export async function query<T extends readonly object[]>(url: string, text: string): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as unknown as T;
  } finally {
    await client.end();
  }
}

/** Poll the database (or anything async) until `condition` holds; fails after `ms`. */
export async function eventually<T>(
  condition: () => Promise<T | undefined | false>,
  what: string,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Task rows as wg stored them (log entries not included). */
export async function storedTasks(
  url: string,
): Promise<Array<{ id: string; status: string; claim?: { pid?: number; pid_ns?: string; expires?: string } }>> {
  const rows = await query<
    Array<{ data: { id: string; status: string; claim?: { pid?: number; pid_ns?: string; expires?: string } } }>
  >(url, "SELECT data FROM wg_records WHERE kind = 'task' ORDER BY position");
  return rows.map((row) => row.data);
}

/** How many times each task's log says `message`. */
export async function logCounts(url: string, message: string): Promise<Map<string, number>> {
  const rows = await query<Array<{ task_id: string; count: string }>>(
    url,
    `SELECT task_id, count(*) FROM wg_log WHERE entry->>'message' = '${message.replace(/'/g, "''")}' GROUP BY task_id`,
  );
  return new Map(rows.map((row) => [row.task_id, Number(row.count)]));
}
