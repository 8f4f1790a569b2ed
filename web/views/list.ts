/**
 * The list: one row per task, filtered by status, actor, tag and text. Rows are kept by
 * id and patched in place, so a change to one task of a thousand repaints one row.
 */
import { $, el } from '../dom.js';
import { formatUsd, STATUSES } from '../format.js';
import type { TaskView } from '../api.js';
import { EMPTY, type State } from '../state.js';

export function mount(root: HTMLElement, open: (id: string) => void) {
  const body = $<HTMLTableElement>('list', root).tBodies[0]!;
  const note = $('list-note', root);
  const filters = {
    status: $<HTMLSelectElement>('filter-status', root),
    actor: $<HTMLSelectElement>('filter-actor', root),
    tag: $<HTMLSelectElement>('filter-tag', root),
    text: $<HTMLInputElement>('filter-text', root),
  };
  const rows = new Map<string, HTMLTableRowElement>();
  let shown: State = EMPTY;

  const paint = (row: HTMLTableRowElement, task: TaskView, critical: ReadonlySet<string>) => {
    row.setAttribute('data-status', task.status);
    row.classList.toggle('critical', critical.has(task.id));
    const cells = row.cells;
    cells[1]!.textContent = task.title;
    cells[2]!.replaceChildren(el('span', { class: 'badge', 'data-display': task.display, text: task.display }));
    cells[3]!.textContent = task.assigned ?? '';
    cells[4]!.textContent = task.tags.join(', ');
    cells[5]!.textContent = String(task.attempts);
    cells[6]!.textContent = task.cost_usd ? formatUsd(task.cost_usd) : '';
  };

  const build = (state: State) => {
    rows.clear();
    const fragment = document.createDocumentFragment();
    for (const id of state.order) {
      const row = el('tr', { 'data-task-id': id }, el('td', { text: id }));
      for (let i = 0; i < 6; i++) row.append(el('td'));
      paint(row, state.tasks.get(id)!, state.critical);
      rows.set(id, row);
      fragment.append(row);
    }
    body.replaceChildren(fragment);
  };

  /** Only the rows whose task or critical mark changed since `before` (the same tasks: `order` is the same). */
  const patch = (before: State, state: State) => {
    const pathChanged = state.critical !== before.critical;
    for (const [id, row] of rows) {
      const task = state.tasks.get(id);
      if (task && (pathChanged || task !== before.tasks.get(id))) paint(row, task, state.critical);
    }
  };

  const fillFilters = (state: State) => {
    const fill = (select: HTMLSelectElement, values: Iterable<string>) => {
      const chosen = select.value;
      select.replaceChildren(
        el('option', { value: '', text: 'any' }),
        ...[...new Set(values)].sort().map((value) => el('option', { value, text: value })),
      );
      select.value = chosen;
    };
    const tasks = [...state.tasks.values()];
    fill(filters.status, STATUSES);
    fill(
      filters.actor,
      tasks.flatMap((task) => (task.assigned ? [task.assigned] : [])),
    );
    fill(
      filters.tag,
      tasks.flatMap((task) => task.tags),
    );
  };

  const filter = () => {
    const status = filters.status.value;
    const actor = filters.actor.value;
    const tag = filters.tag.value;
    const text = filters.text.value.trim().toLowerCase();
    let visible = 0;
    for (const [id, row] of rows) {
      const task = shown.tasks.get(id);
      const keep =
        task !== undefined &&
        (!status || task.display === status || task.status === status) &&
        (!actor || task.assigned === actor) &&
        (!tag || task.tags.includes(tag)) &&
        (!text || id.toLowerCase().includes(text) || task.title.toLowerCase().includes(text));
      row.hidden = !keep;
      if (keep) visible++;
    }
    note.textContent = `${visible} of ${rows.size} tasks`;
  };

  for (const input of Object.values(filters)) input.addEventListener('input', filter);
  body.addEventListener('click', (event) => {
    const row = (event.target as HTMLElement).closest('tr[data-task-id]');
    if (row) open(row.getAttribute('data-task-id')!);
  });

  return {
    update(state: State): void {
      if (state.order !== shown.order) build(state);
      else patch(shown, state);
      shown = state;
      fillFilters(state);
      filter();
    },
  };
}
