/**
 * The inbox: everything that waits on a person, oldest first, each with the one command
 * that resolves it (as `wg inbox`), and a link to its task, where the page can resolve it
 * too when actions are on. Fetched again whenever the graph changes while it is shown.
 */
import { fetchInbox, type InboxItem } from '../api.js';
import { el } from '../dom.js';

const LABELS: Record<InboxItem['kind'], string> = {
  'pending-validation': 'review',
  'input-required': 'question',
  'permission-denied': 'refused',
  failed: 'failed',
  'human-task': 'to do',
  'budget-stopped': 'budget',
  'rate-limit-paused': 'paused',
};

export function mount(root: HTMLElement) {
  let visible = false;
  /** Each fetch's number: an older answer arriving late is dropped. */
  let asked = 0;

  const render = async (): Promise<void> => {
    const mine = ++asked;
    let items: InboxItem[];
    try {
      items = (await fetchInbox()).items;
    } catch (error) {
      root.replaceChildren(el('p', { class: 'error', text: (error as Error).message }));
      return;
    }
    if (mine !== asked) return;
    const rows = items.map((item) =>
      el(
        'li',
        { class: 'inbox-item', 'data-kind': item.kind, ...(item.task ? { 'data-task': item.task } : {}) },
        el('span', { class: 'badge', 'data-kind': item.kind, text: LABELS[item.kind] }),
        ' ',
        item.task ? el('a', { href: `#/task/${encodeURIComponent(item.task)}`, text: item.text }) : item.text,
        ' ',
        el('span', { class: 'note', text: `since ${item.since.slice(0, 19).replace('T', ' ')}` }),
        el('div', {}, el('code', { class: 'inbox-command', text: item.command })),
      ),
    );
    root.replaceChildren(
      el('h1', { text: 'inbox' }),
      items.length === 0
        ? el('p', { id: 'inbox-empty', class: 'note', text: 'nothing waits on a person' })
        : el('ul', { id: 'inbox' }, ...rows),
    );
    root.dataset.count = String(items.length);
  };

  return {
    show(): void {
      visible = true;
      void render();
    },
    hide(): void {
      visible = false;
    },
    /** The graph changed: what waits may have too. */
    update(): void {
      if (visible) void render();
    },
  };
}
