/**
 * A database of its own for each test, on the machine's PostgreSQL (127.0.0.1:5432, trust
 * authentication; `.ci/run` starts it when it is down). Dropped again by `drop`.
 */
import postgres from 'postgres';

export const PG_HOST = process.env.WG_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

let counter = 0;

async function admin<T>(work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(`${PG_HOST}/postgres`, { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export async function createDatabase(): Promise<TestDatabase> {
  const name = `wg_test_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  await admin((sql) => sql.unsafe(`CREATE DATABASE ${name}`));
  return {
    name,
    url: `${PG_HOST}/${name}`,
    drop: () => admin((sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Run SQL against a test database (to look at what wg stored). */
export async function query<T extends readonly object[]>(url: string, text: string): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return (await sql.unsafe(text)) as unknown as T;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
