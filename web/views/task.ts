/**
 * A task's page: its facts, attempts, prompt, streaming output and log, a pending result's
 * diff or the task's open question, and (with --allow-actions) retry, unclaim, abandon,
 * approve, reject (with line comments) and answer. Rendered again whenever the task changes;
 * the output view keeps its boxes and streams across those renders.
 */
import {
  fetchDiff,
  fetchPrompt,
  fetchTask,
  postAction,
  type Action,
  type DiffPayload,
  type Landed,
  type TaskDetail,
} from '../api.js';
import { el } from '../dom.js';
import { formatUsd } from '../format.js';
import { EMPTY, type State } from '../state.js';
import * as outputView from './output.js';

export interface TaskPageOptions {
  /** The action token, when actions are on and this tab has it: the page then offers them. */
  token: string | undefined;
}

export function mount(root: HTMLElement, options: TaskPageOptions) {
  const output = outputView.mount();
  let shownTask: string | undefined;
  /** An attempt whose output the person picked; otherwise the latest one is followed. */
  let pinnedAttempt: string | undefined;
  let latest: State = EMPTY;

  const render = async (id: string): Promise<void> => {
    let detail: TaskDetail;
    try {
      detail = await fetchTask(id);
    } catch (error) {
      root.replaceChildren(el('p', { class: 'error', text: (error as Error).message }));
      return;
    }
    if (shownTask !== id) return;
    // Keep following the attempt being shown (the latest, or one picked with its button) across renders.
    const last = detail.attempts.at(-1);
    const wanted =
      pinnedAttempt && detail.attempts.some((attempt) => String(attempt.attempt) === pinnedAttempt)
        ? pinnedAttempt
        : last && (last.output_bytes !== null || last.outcome === 'running')
          ? String(last.attempt)
          : undefined;
    const promptBox = el('pre', { id: 'prompt', hidden: '' });
    const task = detail.task;
    root.replaceChildren(
      el(
        'div',
        { class: 'task', 'data-task-id': id, 'data-status': task.status },
        el('p', {}, el('a', { href: '#/graph', text: '← graph' }), ' · ', el('a', { href: '#/list', text: 'list' })),
        el('h1', { text: `${task.id}: ${task.title}` }),
        actions(id, task.status),
        waitsOnPerson(id, detail),
        facts(detail, latest.tasks.get(id)?.blocked_by ?? []),
        task.description ? el('p', { text: task.description }) : '',
        el('h2', { text: 'attempts' }),
        attempts(id, detail, promptBox),
        promptBox,
        ...output.nodes,
        el('h2', { text: 'log' }),
        log(detail),
      ),
    );
    if (wanted) output.show(id, wanted);
    else output.idle(last ? '(no output on disk)' : '(not attempted yet)');
  };

  const actions = (id: string, status: string) => {
    const box = el('div', { class: 'actions' });
    const token = options.token;
    if (!token) return box;
    const button = (name: Action, enabled: boolean, needsReason: boolean) => {
      const node = el('button', { type: 'button', 'data-action': name, text: name });
      node.disabled = !enabled;
      node.onclick = async () => {
        const reason = needsReason ? prompt(`Why ${name} ${id}?`) : undefined;
        if (needsReason && !reason) return;
        const result = await postAction(id, name, token, reason ? { reason } : {});
        // The page may have been rendered again meanwhile: say it where it is now.
        const said = document.getElementById('action-result');
        if (said) said.textContent = result.ok ? `${name}: done` : `${name}: ${result.error}`;
      };
      return node;
    };
    box.append(
      button('retry', status === 'failed', false),
      button('unclaim', status === 'in-progress', false),
      button('abandon', status !== 'done' && status !== 'abandoned', true),
      el('span', { id: 'action-result', class: 'note' }),
    );
    return box;
  };

  /** Send an action, and say how it went where the page now says it (it may have been rendered again). */
  const send = async (id: string, name: Action, body: Record<string, unknown>): Promise<boolean> => {
    const result = await postAction(id, name, options.token!, body);
    const said = document.getElementById('action-result');
    if (said) said.textContent = result.ok ? `${name}: done` : `${name}: ${result.error}`;
    return result.ok;
  };

  /** What waits on a person here: a result to review (its diff, approve, reject) or a question to answer. */
  const waitsOnPerson = (id: string, detail: TaskDetail): Node | string => {
    const task = detail.task;
    if (task.status === 'pending-validation' && task.pending_result) {
      const diffBox = el('div', { id: 'diff', class: 'diff' }, el('p', { class: 'note', text: 'loading the diff…' }));
      fetchDiff(id).then(
        (diff) => diffBox.replaceChildren(...renderDiff(diff)),
        (error: unknown) =>
          diffBox.replaceChildren(el('p', { class: 'error', text: `no diff: ${(error as Error).message}` })),
      );
      return el(
        'section',
        { id: 'review', 'data-attempt': String(task.pending_result.attempt) },
        el('h2', { text: `attempt ${task.pending_result.attempt}'s result waits for a review` }),
        diffBox,
        options.token
          ? verdictForms(id)
          : el('p', { class: 'note', text: `wg approve ${id} or wg reject ${id} --reason TEXT` }),
      );
    }
    const question = task.question;
    const open =
      question &&
      !question.answer &&
      ((task.status === 'waiting' && question.kind === 'question') ||
        (task.status === 'failed' && question.kind === 'refusal'));
    if (!open) return '';
    return el(
      'section',
      { id: 'question', 'data-kind': question.kind },
      el('h2', { text: question.kind === 'question' ? `${id} asks` : 'a call was refused' }),
      el('pre', { id: 'question-text', text: question.text }),
      options.token ? answerForm(id, question.rule) : el('p', { class: 'note', text: `wg answer ${id} "..."` }),
    );
  };

  const verdictForms = (id: string): HTMLElement => {
    const comment = el('input', {
      id: 'approve-comment',
      type: 'text',
      placeholder: 'a comment for the record (optional)',
    });
    const approve = el('button', { type: 'button', 'data-action': 'approve', text: 'approve' });
    approve.onclick = async () => {
      approve.disabled = true;
      const text = comment.value.trim();
      if (!(await send(id, 'approve', text ? { comment: text } : {}))) approve.disabled = false;
    };
    const reason = el('textarea', { id: 'reject-reason', rows: '2', placeholder: 'why (the next attempt reads it)' });
    const lines = el('textarea', {
      id: 'reject-comments',
      rows: '3',
      placeholder: 'line comments, one a line: path:line: text',
    });
    const reject = el('button', { type: 'button', 'data-action': 'reject', text: 'reject' });
    reject.onclick = async () => {
      const why = reason.value.trim();
      if (!why) {
        reason.focus();
        return;
      }
      const comments = lines.value
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '');
      reject.disabled = true;
      if (!(await send(id, 'reject', { reason: why, comments }))) reject.disabled = false;
    };
    return el(
      'div',
      { class: 'verdict' },
      el('div', { class: 'form' }, comment, approve),
      el('div', { class: 'form' }, reason, lines, reject),
    );
  };

  const answerForm = (id: string, rule: string | undefined): HTMLElement => {
    const text = el('textarea', {
      id: 'answer-text',
      rows: '3',
      placeholder: 'your answer (the next attempt reads it)',
    });
    const allow = el('input', {
      id: 'answer-allow',
      type: 'text',
      placeholder: 'also allow these tool rules, comma-separated (optional)',
    });
    if (rule) allow.value = rule;
    const answer = el('button', { type: 'button', 'data-action': 'answer', text: 'answer' });
    answer.onclick = async () => {
      const said = text.value.trim();
      if (!said) {
        text.focus();
        return;
      }
      const rules = allow.value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
      answer.disabled = true;
      if (!(await send(id, 'answer', { text: said, ...(rules.length ? { allow: rules } : {}) })))
        answer.disabled = false;
    };
    return el('div', { class: 'form' }, text, allow, answer);
  };

  const attempts = (id: string, detail: TaskDetail, promptBox: HTMLElement) => {
    const body = el('tbody');
    for (const attempt of detail.attempts) {
      const showPrompt = attempt.prompt_bytes !== null ? el('button', { type: 'button', text: 'show' }) : '—';
      if (showPrompt instanceof HTMLButtonElement) {
        showPrompt.onclick = async () => {
          promptBox.textContent = await fetchPrompt(id, attempt.attempt);
          promptBox.hidden = false;
        };
      }
      const showOutput = attempt.output_bytes !== null ? el('button', { type: 'button', text: 'show' }) : '—';
      if (showOutput instanceof HTMLButtonElement) {
        showOutput.onclick = () => {
          pinnedAttempt = String(attempt.attempt);
          output.start(id, pinnedAttempt);
        };
      }
      body.append(
        el(
          'tr',
          { 'data-attempt': String(attempt.attempt), 'data-outcome': attempt.outcome },
          el('td', { text: String(attempt.attempt) }),
          el('td', { text: attempt.actor ?? '' }),
          el('td', { text: attempt.backend ?? '' }),
          el('td', { text: attempt.model ?? '' }),
          el('td', { text: attempt.outcome }),
          el(
            'td',
            {},
            attempt.reason ?? '',
            attempt.output
              ? el(
                  'details',
                  {},
                  el('summary', { text: "check's last lines" }),
                  el('pre', { class: 'check-output', text: attempt.output }),
                )
              : '',
          ),
          el('td', { text: attempt.cost_usd !== null ? formatUsd(attempt.cost_usd) : '' }),
          el('td', {}, showPrompt),
          el('td', {}, showOutput),
        ),
      );
    }
    const columns = ['#', 'actor', 'backend', 'model', 'outcome', 'reason', 'cost', 'prompt', 'output'];
    return el(
      'table',
      { id: 'attempts' },
      el('thead', {}, el('tr', {}, ...columns.map((name) => el('th', { text: name })))),
      body,
    );
  };

  return {
    /** Show this task's page (from its route); a different task starts again from its latest attempt. */
    show(id: string): void {
      if (shownTask !== id) {
        output.close();
        pinnedAttempt = undefined;
      }
      shownTask = id;
      root.replaceChildren(el('p', { class: 'note', text: 'loading…' }));
      void render(id);
    },
    hide(): void {
      shownTask = undefined;
      output.close();
    },
    /** Render the shown task again if it changed, or if the set of tasks is new. */
    update(state: State): void {
      const before = latest;
      latest = state;
      if (!shownTask) return;
      if (state.order !== before.order || state.tasks.get(shownTask) !== before.tasks.get(shownTask))
        void render(shownTask);
    },
  };
}

function facts(detail: TaskDetail, blockers: readonly string[]): HTMLElement {
  const task = detail.task;
  const list = el('dl');
  const fact = (name: string, value: Node | string) => list.append(el('dt', { text: name }), el('dd', {}, value));
  fact(
    'status',
    el('span', {
      class: 'badge',
      id: 'task-status',
      'data-status': task.status,
      'data-display': detail.display,
      text: detail.display,
    }),
  );
  fact('assignee', task.assigned ?? '—');
  fact('cost', formatUsd(detail.cost_usd));
  if (detail.on_critical_path) fact('critical path', 'yes');
  if (task.failure_reason) fact('failure reason', task.failure_reason);
  if (task.failure_output) fact('check output', el('pre', { id: 'failure-output', text: task.failure_output }));
  if (task.summary) fact('summary', el('pre', { id: 'task-summary', text: task.summary }));
  if (blockers.length)
    fact(
      'waits for',
      el(
        'span',
        {},
        ...blockers.flatMap((blocker, i) => [
          i ? ', ' : '',
          el('a', { href: `#/task/${encodeURIComponent(blocker)}`, text: blocker }),
        ]),
      ),
    );
  fact(
    'artifacts',
    task.artifacts?.length ? el('ul', {}, ...task.artifacts.map((path) => el('li', { text: path }))) : '—',
  );
  if (task.landed) fact('landed', landedText(task.id, task.landed));
  return list;
}

/** Where the task's work went (`wg diff` shows the change itself). */
function landedText(id: string, landed: Landed): Node {
  const text =
    landed.commit === landed.base
      ? `nothing: attempt ${landed.attempt} changed no file`
      : `${landed.commit.slice(0, 12)} on ${landed.target} (attempt ${landed.attempt}, from ${landed.base.slice(0, 12)})`;
  return el('span', { id: 'task-landed', 'data-commit': landed.commit, title: `wg diff ${id}` }, el('code', { text }));
}

/** The changed files, then the patch with each line marked added, removed or a hunk header. */
function renderDiff(diff: DiffPayload): Node[] {
  const files = el(
    'ul',
    { id: 'diff-files' },
    ...diff.files.map((file) =>
      el('li', {
        'data-path': file.path,
        text: `${file.status} ${file.path} +${file.additions ?? '?'} −${file.deletions ?? '?'}`,
      }),
    ),
  );
  const patch = el('pre', { id: 'diff-patch' });
  for (const line of (diff.patch ?? '').split('\n')) {
    const kind =
      line.startsWith('+++') || line.startsWith('---') || line.startsWith('diff ') || line.startsWith('index ')
        ? 'meta'
        : line.startsWith('+')
          ? 'add'
          : line.startsWith('-')
            ? 'del'
            : line.startsWith('@@')
              ? 'hunk'
              : 'same';
    patch.append(el('span', { class: `diff-${kind}`, text: `${line}\n` }));
  }
  return [
    el('p', {
      class: 'note',
      text: `against ${diff.base.slice(0, 12)} on ${diff.target ?? '?'} (branch ${diff.branch ?? '?'})`,
    }),
    diff.files.length === 0 ? el('p', { text: 'No change.' }) : files,
    patch,
  ];
}

function log(detail: TaskDetail): HTMLElement {
  return el(
    'table',
    { id: 'log' },
    el(
      'tbody',
      {},
      ...(detail.task.log ?? []).map((entry) =>
        el(
          'tr',
          {},
          el('td', { text: entry.timestamp.slice(0, 19).replace('T', ' ') }),
          el('td', { text: entry.actor ?? '' }),
          el('td', { text: entry.message }),
        ),
      ),
    ),
  );
}
