/**
 * Connecting to PostgreSQL through node-postgres (`pg`), and saying in one line why it
 * did not work. A pool for queries and transactions; LISTEN on a client of its own that
 * connects again by itself after the server dropped it.
 */
import pg from 'pg';
import pRetry, { AbortError } from 'p-retry';
import { ConfigError, WgError } from '../../errors.js';

/** The database cannot be reached or refused us: the command cannot go on. */
export class StoreUnavailableError extends WgError {}

/** The URL as it may be shown: without its password. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** How a lost connection is tried again: after 100 ms, then twice as long each time, never more than 2 s apart. */
export const RECONNECT_BACKOFF = { minTimeout: 100, factor: 2, maxTimeout: 2_000 } as const;

/** What a query or transaction runs against: rows back, parameters as $1, $2, ... */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

export class Database implements Queryable {
  private readonly pool: pg.Pool;
  private readonly listeners = new Set<pg.Client>();
  /** Aborted by `end`: listeners are not opened again, and one that is reconnecting stops at once. */
  private readonly ending = new AbortController();

  constructor(readonly url: string) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: 4,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      application_name: 'wg',
    });
    // An idle client whose server went away reports it here; the pool drops it, and the next query connects anew.
    this.pool.on('error', () => undefined);
  }

  async query<R extends object>(text: string, params: readonly unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(text, params as unknown[])).rows;
  }

  /**
   * `work` in one transaction on one connection: committed if it returns, rolled back if
   * it throws. `readOnly` reads one consistent snapshot (REPEATABLE READ) and writes nothing.
   */
  async transaction<T>(work: (tx: Queryable) => Promise<T>, options: { readOnly?: boolean } = {}): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    // A checked-out client reports a dropped connection as an 'error' event (the pool listens only to idle ones);
    // the query in flight fails with it too, and that is where it is handled.
    const dropped = () => (broken = true);
    client.on('error', dropped);
    try {
      await client.query(options.readOnly ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
      const value = await work({
        query: async <R extends object>(text: string, params: readonly unknown[] = []) =>
          (await client.query<R>(text, params as unknown[])).rows,
      });
      await client.query('COMMIT');
      return value;
    } catch (error) {
      broken = isConnectionLost(error);
      if (!broken) await client.query('ROLLBACK').catch(() => (broken = true));
      throw error;
    } finally {
      // A connection that failed is not given back to the pool.
      client.off('error', dropped);
      client.release(broken || undefined);
    }
  }

  /**
   * Call `onNotify` for every NOTIFY on `channel`, on a connection of its own that is
   * opened again (with back-off) whenever the server drops it, for as long as it is wanted.
   * After a reconnect `onNotify` is called once too: changes made meanwhile were not heard.
   */
  async listen(channel: string, onNotify: () => void): Promise<() => Promise<void>> {
    const stopping = new AbortController();
    const wanted = () => !stopping.signal.aborted && !this.ending.signal.aborted;
    let client: pg.Client | undefined;
    const open = async (): Promise<void> => {
      if (!wanted()) throw new AbortError('no longer listening');
      const next = new pg.Client({
        connectionString: this.url,
        connectionTimeoutMillis: 10_000,
        application_name: 'wg',
      });
      next.on('error', () => undefined);
      next.on('notification', (message) => {
        if (message.channel === channel) onNotify();
      });
      try {
        await next.connect();
        await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      } catch (error) {
        await next.end().catch(() => undefined);
        throw error;
      }
      client = next;
      this.listeners.add(next);
      next.once('end', () => {
        this.listeners.delete(next);
        if (wanted()) void reopen();
      });
    };
    const reopen = async (): Promise<void> => {
      try {
        // Every failure is tried again (the server may take a while to come back), for as long as the listener is wanted.
        await pRetry(open, {
          ...RECONNECT_BACKOFF,
          retries: Infinity,
          signal: AbortSignal.any([stopping.signal, this.ending.signal]),
        });
      } catch {
        // Stopped, or the database closed, while reconnecting: nothing is listening any more.
        return;
      }
      onNotify();
    };
    await open();
    return async () => {
      stopping.abort();
      if (client) {
        this.listeners.delete(client);
        await client.end().catch(() => undefined);
      }
    };
  }

  async end(): Promise<void> {
    this.ending.abort();
    await Promise.all([...this.listeners].map((client) => client.end().catch(() => undefined)));
    await this.pool.end();
  }
}

export function connect(url: string): Database {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(
      `store URL ${displayUrl(url)} is not a URL`,
      'write it as postgres://user@host:5432/database',
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigError(
      `store URL ${displayUrl(url)} is not a postgres:// URL`,
      'write it as postgres://user@host:5432/database',
    );
  }
  if (parsed.pathname.length <= 1)
    throw new ConfigError(
      `store URL ${displayUrl(url)} names no database`,
      'add it: postgres://user@host:5432/DATABASE',
    );
  return new Database(url);
}

/**
 * Errors that mean the connection went away (a server restart, pg_terminate_backend, the
 * network), after which a new connection may well work.
 */
const CONNECTION_LOST = new Set([
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
]);
/** node-postgres reports a connection that ended under it with these messages and no code. */
const LOST_MESSAGE = /Connection terminated|not queryable|timeout exceeded when trying to connect/i;

export function isConnectionLost(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (typeof code === 'string' && CONNECTION_LOST.has(code)) ||
    (typeof message === 'string' && LOST_MESSAGE.test(message))
  );
}

/** Any failure that came from the database or the network, as one line naming the server. */
export function unavailable(error: unknown, url: string): WgError {
  if (error instanceof WgError) return error;
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  const where = displayUrl(url);
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is the server running?)',
    ENOTFOUND: 'no such host',
    EAI_AGAIN: 'no such host',
    ETIMEDOUT: 'the connection timed out',
    '28P01': 'password authentication failed',
    '28000': 'the server refused this user',
    '3D000': 'the database does not exist',
    '57P01': 'the server ended the connection',
    '57P03': 'the server is starting up or shutting down',
  };
  const text = message ?? String(error);
  const reason =
    (code && reasons[code]) ??
    (/timeout exceeded when trying to connect/i.test(text)
      ? 'the connection timed out'
      : /Connection terminated/i.test(text)
        ? 'the server closed the connection'
        : text.split('\n')[0]);
  return new StoreUnavailableError(
    `PostgreSQL at ${where}: ${reason}`,
    code === '3D000' ? 'create it first (createdb NAME)' : undefined,
  );
}
