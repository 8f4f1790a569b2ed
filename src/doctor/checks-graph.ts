/** The graph's lines: `wg check`'s problems, each with a fix, and what would fail a task at run time (working_dir, verify). */
import type { Problem } from '../graph/check.js';
import type { Check, GraphFacts, TaskPathFacts } from './types.js';

/** Edits needed to turn one id into another (insert, delete, substitute one character). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}

/** The existing id a mistyped one most likely meant: a close spelling, or one containing the other. */
export function closestId(wanted: string, ids: readonly string[]): string | undefined {
  let best: { id: string; score: number } | undefined;
  for (const id of ids) {
    const score = id.includes(wanted) || wanted.includes(id) ? 1 : distance(wanted, id);
    const allowed = Math.max(2, Math.floor(wanted.length / 4));
    if (score <= allowed && (!best || score < best.score)) best = { id, score };
  }
  return best?.id;
}

const quotedId = (message: string) => /names "([^"]+)"|requires "([^"]+)"/.exec(message)?.slice(1).find(Boolean);

function problemFix(problem: Problem, facts: GraphFacts): string {
  const task = problem.task ?? '';
  switch (problem.kind) {
    case 'line':
      return 'correct or delete that line of graph.jsonl (`wg check` lists every problem)';
    case 'cycle': {
      const [first, second] = problem.message
        .replace(/^[^:]*: /, '')
        .split(' -> ')
        .map((id) => id.replace(/ \(.*$/, ''));
      return `break it: wg edit ${first} --remove-blocked-by ${second}`;
    }
    case 'missing-task': {
      const missing = quotedId(problem.message) ?? '';
      const field = problem.message.includes('blocks names') ? 'blocks' : 'blocked-by';
      const meant = closestId(
        missing,
        facts.taskIds.filter((id) => id !== task),
      );
      if (field === 'blocks')
        return meant
          ? `did you mean ${meant}? edit the task's blocks in graph.jsonl`
          : `remove "${missing}" from the task's blocks in graph.jsonl`;
      return meant
        ? `did you mean ${meant}? wg edit ${task} --remove-blocked-by ${missing} --blocked-by ${meant}`
        : `wg edit ${task} --remove-blocked-by ${missing} (no task has a similar id)`;
    }
    case 'missing-resource':
      return `wg edit ${task} --remove-require ${quotedId(problem.message) ?? '<resource>'}, or add the resource to the graph`;
    case 'missing-actor':
      return `define the actor (wg actor add), or wg edit ${task} --assign ""`;
    case 'self-dependency':
      return `wg edit ${task} --remove-blocked-by ${task}`;
    case 'unheld-in-progress':
      return `wg unclaim ${task}`;
    case 'stale-lease':
      return `nothing runs it any more; wg unclaim ${task} --force clears the lease if it is in the way`;
  }
}

function pathChecks(path: TaskPathFacts): Check[] {
  const checks: Check[] = [];
  if (path.missingWorkingDir !== undefined) {
    checks.push({
      area: 'graph',
      name: `task ${path.task} working_dir`,
      status: 'fail',
      detail: `${path.missingWorkingDir} is not a folder of the project: its attempt would fail before its agent starts`,
      fix: `create it (and commit it: attempts run in worktrees made from the target branch), or wg edit ${path.task} --working-dir ""`,
    });
  }
  const verify = path.verify;
  if (verify?.kind === 'not-on-path') {
    checks.push({
      area: 'graph',
      name: `task ${path.task} verify`,
      status: 'fail',
      detail: `\`${verify.command}\` runs ${verify.program}, which is not on PATH: the check would exit 127 after the agent's work was paid for`,
      fix: `install ${verify.program}, or wg edit ${path.task} --verify "<a command that exists>"`,
    });
  } else if (verify?.kind === 'no-file') {
    checks.push({
      area: 'graph',
      name: `task ${path.task} verify`,
      status: 'warn',
      detail: `\`${verify.command}\` runs ${verify.program}, which does not exist (yet)`,
      fix: `create it, unless the task itself writes it; or wg edit ${path.task} --verify "<a command that exists>"`,
    });
  }
  return checks;
}

export function graphChecks(facts: GraphFacts): Check[] {
  const checks: Check[] = facts.problems.map((problem) => ({
    area: 'graph',
    name: problem.task ? `task ${problem.task}` : problem.kind === 'cycle' ? 'graph cycle' : 'graph.jsonl',
    status: problem.severity === 'error' ? 'fail' : 'warn',
    detail: problem.message.replace(/^task [^:]+: /, ''),
    fix: problemFix(problem, facts),
  }));
  checks.push(...facts.paths.flatMap(pathChecks));
  if (checks.length === 0)
    checks.push({
      area: 'graph',
      name: 'graph',
      status: 'ok',
      detail: `valid: ${facts.tasks} task${facts.tasks === 1 ? '' : 's'}, ${facts.openTasks} open`,
    });
  return checks;
}
