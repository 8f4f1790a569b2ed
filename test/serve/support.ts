/** Running the real `wg serve` in a test project, and reading its event streams. */
import { request } from 'node:http';
import { execa, type ResultPromise } from 'execa';
import { cleanEnv, WG_BIN } from '../support/wg.js';

export interface Served {
  /** The API's base, e.g. http://127.0.0.1:41234/ */
  api: string;
  /** What the person opens: with #token=... when actions are on. */
  url: string;
  token: string | null;
  port: number;
  process: ResultPromise;
  stop(): Promise<void>;
}

/** Start `wg serve --port 0 --json` and wait for the line with its address. */
export async function serve(
  dir: string,
  args: string[] = [],
  env: Record<string, string | undefined> = {},
): Promise<Served> {
  const child = execa('node', [WG_BIN, 'serve', '--port', '0', '--json', ...args], {
    cwd: dir,
    env: cleanEnv(env),
    extendEnv: true,
    reject: false,
    stdin: 'ignore',
    buffer: false,
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const first = await new Promise<string>((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      // --json prints one pretty-printed object: wait for its closing brace.
      if (/\n}\s*$/.test(text)) {
        child.stdout!.off('data', onData);
        resolve(text);
      }
    };
    child.stdout!.on('data', onData);
    void child.then((result) =>
      reject(new Error(`wg serve exited ${result.exitCode} before printing its URL: ${stderr}`)),
    );
  });
  const printed = JSON.parse(first) as { url: string; api: string; token: string | null };
  const port = Number(new URL(printed.api).port);
  return {
    ...printed,
    port,
    process: child,
    stop: async () => {
      child.kill('SIGTERM');
      const result = await child;
      if (result.exitCode !== 0 && result.signal !== 'SIGTERM')
        throw new Error(`wg serve ended with ${result.exitCode}: ${stderr}`);
    },
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An HTTP request with the path sent exactly as given (fetch would normalise ../). */
export function raw(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface SseEvent {
  event: string;
  data: any;
}

/** Read a server-sent event stream until `until` accepts an event (or `ms` passes: then it throws). */
export async function readEvents(
  url: string,
  until: (event: SseEvent, all: SseEvent[]) => boolean,
  ms = 20_000,
  onOpen?: () => void | Promise<void>,
): Promise<SseEvent[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ms);
  const seen: SseEvent[] = [];
  try {
    const response = await fetch(url, { signal: abort.signal });
    if (!response.ok || !response.body) throw new Error(`${url}: ${response.status}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let opened = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`${url}: the stream ended`);
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (name === undefined || data === undefined) continue;
        const event = { event: name, data: JSON.parse(data) };
        seen.push(event);
        if (!opened) {
          opened = true;
          await onOpen?.();
        }
        if (until(event, seen)) return seen;
      }
    }
  } catch (error) {
    if (abort.signal.aborted)
      throw new Error(`timed out reading ${url}; saw ${JSON.stringify(seen).slice(0, 500)}`, {
        cause: error,
      });
    throw error;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}
