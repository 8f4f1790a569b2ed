/**
 * Running the built `wg` binary as a real process in a temporary project.
 * `npm test` builds first (pretest), so dist/ is current.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { onTestFinished } from 'vitest';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const WG_BIN = join(REPO_ROOT, 'bin', 'wg.js');

export interface WgResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string;
}

/** Environment for a child wg: no lease credentials leak in from the test runner's own environment. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { WG_TASK_ID: undefined, WG_TOKEN: undefined, WG_DIR: undefined, WG_ACTOR: 'tester', NO_COLOR: '1', ...extra };
}

export async function runWg(args: string[], options: RunOptions = {}): Promise<WgResult> {
  const result = await execa('node', [WG_BIN, ...args], {
    cwd: options.cwd,
    env: cleanEnv(options.env),
    extendEnv: true,
    reject: false,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** What `wg show ID --json` prints, as far as tests read it. */
export interface ShownTask {
  status: string;
  assigned?: string;
  failure_reason?: string;
  failure_output?: string;
  retry_count?: number;
  attempts?: number;
  artifacts?: string[];
  tools?: string[];
  progress?: number;
  summary?: string;
  landed?: { attempt: number; target: string; base: string; commit: string };
  token_usage?: {
    input_tokens?: number;
    output_tokens?: number;
    cache_read_tokens?: number;
    cache_write_tokens?: number;
    cost_usd?: number;
  };
  costs?: Array<{ attempt: number; backend: string; model?: string; cost_usd: number }>;
  log: Array<{ message: string; actor?: string }>;
  question?: {
    kind: 'question' | 'refusal';
    text: string;
    attempt?: number;
    by: string;
    rule?: string;
    answer?: { text: string; by: string; allow?: string[] };
  };
}

export interface Project {
  dir: string;
  graphPath: string;
  wg(args: string[], options?: Omit<RunOptions, 'cwd'>): Promise<WgResult>;
  /** Run wg and fail the test with its stderr unless it exits 0. */
  ok(args: string[], options?: Omit<RunOptions, 'cwd'>): Promise<string>;
  /** Run wg with --json appended and parse stdout. */
  json<T = any>(args: string[], options?: Omit<RunOptions, 'cwd'>): Promise<T>;
  /** `wg show ID --json`. */
  show(id: string): Promise<ShownTask>;
  /** graph.jsonl as it is on disk (a running `wg run` may hold its latest changes in graph.journal). */
  graphText(): string;
  /** The graph as wg reads it now: graph.jsonl with graph.journal applied (folded here, independently of wg's code). */
  graphNow(): string;
  writeGraph(text: string): void;
  cleanup(): void;
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** graph.jsonl's lines with each whole journal line's records put in place (or appended, or deleted). */
export function foldJournal(graphText: string, journalText: string): string {
  const lines = new Map<string, string>();
  graphText
    .split('\n')
    .filter(Boolean)
    .forEach((line, i) => {
      const { kind, id } = JSON.parse(line) as { kind?: string; id?: string };
      lines.set(kind && id ? `${kind}:${id}` : `line ${i}`, line);
    });
  for (const entry of journalText.split('\n').slice(0, -1)) {
    const { set, delete: deleted } = JSON.parse(entry) as {
      set: Array<{ kind: string; id: string }>;
      delete: Array<{ kind: string; id: string }>;
    };
    for (const record of set) lines.set(`${record.kind}:${record.id}`, JSON.stringify(record));
    for (const record of deleted) lines.delete(`${record.kind}:${record.id}`);
  }
  return lines.size === 0 ? '' : `${[...lines.values()].join('\n')}\n`;
}

/**
 * A temp folder with `wg init` already run in it; under `base` when given (default: the
 * system's temporary folder, which sandboxes such as Codex's treat as writable anyway).
 * Made inside a test or a `beforeEach`, it is removed when that test finishes; made in a
 * `beforeAll`, the caller removes it with `cleanup()`.
 */
export async function tempProject(base = tmpdir()): Promise<Project> {
  const dir = mkdtempSync(join(base, base === tmpdir() ? 'wg-test-' : '.workgraph-test-'));
  const project: Project = {
    dir,
    graphPath: join(dir, '.workgraph', 'graph.jsonl'),
    wg: (args, options) => runWg(args, { ...options, cwd: dir }),
    ok: async (args, options) => {
      const result = await runWg(args, { ...options, cwd: dir });
      if (result.exitCode !== 0) throw new Error(`wg ${args.join(' ')} exited ${result.exitCode}: ${result.stderr}`);
      return result.stdout;
    },
    json: async (args, options) => JSON.parse(await project.ok([...args, '--json'], options)),
    show: (id) => project.json<ShownTask>(['show', id]),
    graphText: () => readFileSync(project.graphPath, 'utf8'),
    graphNow: () =>
      foldJournal(readFileSync(project.graphPath, 'utf8'), readOrEmpty(join(dir, '.workgraph', 'graph.journal'))),
    writeGraph: (text) => writeFileSync(project.graphPath, text),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  removeWhenTestFinishes(project.cleanup);
  await project.ok(['init']);
  return project;
}

/** Registers `remove` to run when the current test ends; outside a test (a `beforeAll`) vitest refuses, and the caller owns it. */
export function removeWhenTestFinishes(remove: () => void): void {
  try {
    onTestFinished(remove);
  } catch {
    // Not inside a test: the caller cleans up (see tempProject).
  }
}
