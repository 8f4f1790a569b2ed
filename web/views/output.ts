/**
 * An attempt's output and events as they grow: two boxes fed by event streams. The boxes
 * live as long as the page: the task page places them on each of its renders, so what
 * has streamed in, and the stream itself, survive a re-render of the task.
 */
import { follow } from '../api.js';
import { el } from '../dom.js';
import { eventLine, type EventRecord } from '../format.js';

export function mount() {
  const events = el('pre', { id: 'events' });
  const title = el('h2', { id: 'output-title', text: 'output' });
  const output = el('pre', { id: 'output' });
  let streams: EventSource[] = [];
  /** The task and attempt being followed, as `id/attempt`; undefined when none is. */
  let following: string | undefined;

  const close = () => {
    streams.forEach((stream) => stream.close());
    streams = [];
    following = undefined;
  };

  const appendScrolled = (box: HTMLElement, text: string) => {
    const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
    box.append(text);
    if (atBottom) box.scrollTop = box.scrollHeight;
  };

  /** Start following an attempt's files from their backlog (again, if it was followed already). */
  const start = (id: string, attempt: string) => {
    close();
    output.textContent = '';
    events.textContent = '';
    title.textContent = `output of attempt ${attempt}`;
    following = `${id}/${attempt}`;
    let partial = '';
    let dropFirst = false;
    streams = [
      follow(
        id,
        attempt,
        'output',
        (skipped) => (output.textContent = skipped > 0 ? `(… ${skipped} earlier bytes not shown)\n` : ''),
        (text) => appendScrolled(output, text),
      ),
      follow(
        id,
        attempt,
        'events',
        (skipped) => {
          events.textContent = skipped > 0 ? '(earlier events not shown)\n' : '';
          [partial, dropFirst] = ['', skipped > 0];
        },
        (text) => {
          const lines = (partial + text).split('\n');
          partial = lines.pop() ?? '';
          if (dropFirst && lines.length > 0) {
            dropFirst = false;
            lines.shift();
          }
          const shown: string[] = [];
          for (const line of lines) {
            try {
              const said = eventLine(JSON.parse(line) as EventRecord);
              if (said !== undefined) shown.push(said);
            } catch {
              // A line cut by the backlog's start, or not JSON: skip it.
            }
          }
          if (shown.length > 0) appendScrolled(events, `${shown.join('\n')}\n`);
        },
      ),
    ];
  };

  return {
    /** In page order: the events box, the output's title, the output box. */
    nodes: [el('h2', { text: 'events' }), events, title, output] as const,
    start,
    /** Follow this attempt, unless it is followed already (then its boxes keep streaming). */
    show(id: string, attempt: string): void {
      if (following !== `${id}/${attempt}`) start(id, attempt);
    },
    /** No attempt to follow: say why in the output box. */
    idle(why: string): void {
      close();
      events.textContent = '';
      title.textContent = 'output';
      output.textContent = why;
    },
    close,
  };
}
