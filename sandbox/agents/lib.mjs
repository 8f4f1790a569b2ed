/**
 * What the sandbox's stand-in agents share. These scripts are the offline stand-in for
 * a real agent: where a model would read the prompt and decide what to write, they know
 * a fixed repertoire of tasks. Everything else is done the way a real agent is asked to
 * in its prompt: they read the prompt file wg wrote, take what upstream tasks produced
 * from it, report with `wg log` / `wg progress`, write their deliverables, register them
 * with `wg artifact`, end with a summary for the tasks downstream (a `::summary` line,
 * the command backend's protocol), and exit 0 (or call `wg fail` with a reason).
 *
 * `wg` is on PATH and WG_TASK_ID / WG_TOKEN are set by `wg run`, so each wg call acts on
 * this attempt's lease. Plain Node, no dependencies.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Runs `wg` with the lease from the environment; a refusal (a stale attempt, say) ends the agent. */
export function wg(...args) {
  try {
    return execFileSync('wg', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    process.stderr.write(`wg ${args[0]} failed: ${String(error.stderr ?? error.message).trim()}\n`);
    process.exit(70);
  }
}

/** The file a prompt inlined under its `#### \`path\` (origin)` heading, or undefined if it was not inlined whole. */
export function fileFromPrompt(prompt, path) {
  const heading = `#### \`${path}\` (`;
  const start = prompt.indexOf(heading);
  if (start < 0) return undefined;
  // The builder fences a file with more backticks than the file itself contains.
  const match = /^[^\n]*\)\n\n(`{3,})\n([\s\S]*?)\n\1$/m.exec(prompt.slice(start));
  return match ? `${match[2]}\n` : undefined;
}

/** Lines `- \`name(args)\` returns \`value\`` in a spec or brief, as examples. */
export function examplesIn(text, name) {
  const pattern = new RegExp(`^\\s*- \`(${name}\\(.*\\))\` returns \`(.*)\`\\s*$`, 'gm');
  return [...text.matchAll(pattern)].map(([, call, result]) => ({ call, result }));
}

export class Agent {
  constructor(role, repertoire) {
    this.role = role;
    this.repertoire = repertoire;
    this.task = process.env.WG_TASK_ID;
    this.attempt = Number(process.env.WG_ATTEMPT ?? 1);
    this.prompt = readFileSync(process.argv[2], 'utf8');
  }

  /** Do the task this attempt holds, if this stand-in knows how; otherwise fail it with the reason. */
  run() {
    const work = this.repertoire[this.task];
    if (!work) {
      this.fail(
        `the ${this.role} stand-in has no recipe for task ${this.task}; a real agent would read the prompt and try`,
      );
    }
    work(this);
  }

  log(message) {
    wg('log', this.task, message);
  }

  progress(percent, message) {
    wg('progress', this.task, String(percent), message);
  }

  /** An upstream artifact or a context file: from the prompt, else (if the prompt only named it) from disk. */
  read(path) {
    const inlined = fileFromPrompt(this.prompt, path);
    if (inlined !== undefined) return inlined;
    if (!existsSync(path)) this.fail(`${path} is neither in my prompt nor on disk`);
    this.log(`${path} was not inlined in my prompt; read it from disk`);
    return readFileSync(path, 'utf8');
  }

  /** Write a deliverable and register it, so downstream prompts include it. */
  deliver(path, content) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    // A structured line for the live view and events.jsonl (the command backend's ::tool protocol).
    console.log(`::tool Write ${path} (${content.split('\n').length} lines)`);
    wg('artifact', this.task, path);
  }

  /** The last word: wg keeps it on the task when the attempt succeeds and shows it to the tasks downstream. */
  summary(text) {
    console.log(`::summary ${text}`);
  }

  fail(reason) {
    wg('fail', this.task, '--reason', reason);
    process.exit(1);
  }
}
