/** Connecting to PostgreSQL, and saying in one line why it did not work. */
import postgres, { type Sql } from 'postgres';
import { ConfigError, WgError } from '../errors.js';

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

export function connect(url: string): Sql {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`store URL ${displayUrl(url)} is not a URL`, 'write it as postgres://user@host:5432/database');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigError(`store URL ${displayUrl(url)} is not a postgres:// URL`, 'write it as postgres://user@host:5432/database');
  }
  if (parsed.pathname.length <= 1) throw new ConfigError(`store URL ${displayUrl(url)} names no database`, 'add it: postgres://user@host:5432/DATABASE');
  return postgres(url, { max: 4, connect_timeout: 10, idle_timeout: 30, onnotice: () => {}, connection: { application_name: 'wg' } });
}

/** Any failure that came from the database or the network, as one line naming the server. */
export function unavailable(error: unknown, url: string): WgError {
  if (error instanceof WgError) return error;
  const { code, message } = error as { code?: string; message?: string };
  const where = displayUrl(url);
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is the server running?)',
    ENOTFOUND: 'no such host',
    ETIMEDOUT: 'the connection timed out',
    CONNECT_TIMEOUT: 'the connection timed out',
    '28P01': 'password authentication failed',
    '28000': 'the server refused this user',
    '3D000': 'the database does not exist',
    CONNECTION_CLOSED: 'the server closed the connection',
    CONNECTION_ENDED: 'the connection was closed',
    CONNECTION_DESTROYED: 'the connection was closed',
  };
  const reason = (code && reasons[code]) ?? (message ?? String(error)).split('\n')[0];
  return new StoreUnavailableError(`PostgreSQL at ${where}: ${reason}`, code === '3D000' ? 'create it first (createdb NAME)' : undefined);
}
