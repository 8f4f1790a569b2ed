/**
 * When the page reached each step of its first load (performance.now()), for the browser
 * test and bench/serve.mjs to read as `window.__wg.timings`.
 */
export const timings: Record<string, number> = {};
(window as unknown as { __wg: unknown }).__wg = { timings };
