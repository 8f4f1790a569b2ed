/**
 * How wg writes times and money for people, in the terminal and on wg serve's page alike
 * (web/ imports this module too, so it imports nothing: the page's bundle and its type
 * check stay free of Node and of zod).
 */

/** A span of time: `250ms`, `1.5s`, `2m3s`, `1h5m`; what parseDuration reads back. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds % 60);
  if (minutes < 60) return rest ? `${minutes}m${rest}s` : `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours}h${minutes % 60}m` : `${hours}h`;
}

/** A clock's reading: the same, in whole seconds (a clock that ticks each second shows no fractions). */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return seconds === 0 ? '0s' : formatDuration(seconds * 1000);
}

/**
 * An estimate in hours (`--hours`), in the unit it was given: `1.5h`, never
 * `1.4999999999h`. Not a formatDuration: planning figures stay in hours.
 */
export function formatHours(hours: number): string {
  return `${Number(hours.toFixed(2))}h`;
}

/** Dollars: cents, or four places for a fraction of a cent (one cheap call still shows). */
export function formatUsd(value: number): string {
  return `$${value.toFixed(value > 0 && value < 0.01 ? 4 : 2)}`;
}
