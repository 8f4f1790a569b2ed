/**
 * The header: a count per status, the spend against the budget, rate-limit pauses, the
 * run's elapsed time, and whether the page is live.
 */
import { $, el } from '../dom.js';
import { formatElapsed, formatUsd, STATUSES } from '../format.js';
import type { State } from '../state.js';

export function mount(root: HTMLElement) {
  const counts = $('counts', root);
  const spend = $('spend', root);
  const pauses = $('pauses', root);
  const elapsed = $('elapsed', root);
  const live = $('live', root);
  let shown: State | undefined;

  /** What changes with the clock alone: the elapsed time, and which pauses are still ahead. */
  const tick = () => {
    const header = shown?.header;
    if (!header) return;
    const ahead = header.paused.filter((pause) => Date.parse(pause.until) > Date.now());
    pauses.dataset.paused = ahead.map((pause) => pause.backend).join(',');
    const now =
      ahead.length > 0
        ? `paused: ${ahead.map((pause) => `${pause.backend} until ${new Date(pause.until).toLocaleTimeString()}`).join(', ')}`
        : '';
    const past =
      header.rate_limit_pauses > 0
        ? `rate-limit pauses: ${header.rate_limit_pauses}${header.last_pause ? ` (last at ${new Date(header.last_pause).toLocaleTimeString()})` : ''}`
        : '';
    pauses.textContent = [now, past].filter(Boolean).join(' · ');
    if (!header.started_at) {
      elapsed.textContent = '';
      return;
    }
    const end = header.ended_at ? Date.parse(header.ended_at) : Date.now();
    const runners = header.runs.length > 1 ? ` · ${header.runs.length} runners` : '';
    elapsed.textContent = `elapsed ${formatElapsed(end - Date.parse(header.started_at))}${header.running ? ` · ${header.running} running` : ''}${runners}`;
  };

  return {
    update(state: State): void {
      shown = state;
      const header = state.header;
      if (!header) return;
      counts.replaceChildren(
        ...STATUSES.filter((status) => header.counts[status]).map((status) =>
          el('span', {
            class: 'badge',
            'data-display': status,
            'data-count': status,
            text: `${header.counts[status]} ${status}`,
          }),
        ),
      );
      spend.textContent =
        header.budget_usd !== null
          ? `spent ${formatUsd(header.spent_usd)} of ${formatUsd(header.budget_usd)}`
          : `spent ${formatUsd(header.spent_usd)}`;
      tick();
    },
    tick,
    /** Whether the event stream is connected (EventSource reconnects by itself). */
    connection(state: 'live' | 'down'): void {
      live.dataset.state = state;
      live.textContent = state === 'live' ? 'live' : 'reconnecting…';
    },
  };
}
