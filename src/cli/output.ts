/** Printing: JSON for scripts, aligned tables and colour (when wanted) for people. */
import pc from 'picocolors';
import type { TaskStatus } from '../graph/schema.js';

export const colors = pc;

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

function visibleWidth(text: string): number {
  return text.replace(ANSI, '').length;
}

/** Columns padded to the widest cell; the last column is never padded. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) => Math.max(visibleWidth(header), ...rows.map((row) => visibleWidth(row[column] ?? ''))));
  const render = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell + ' '.repeat(widths[column]! - visibleWidth(cell))))
      .join('  ')
      .trimEnd();
  return [pc.bold(render(headers)), ...rows.map(render)].join('\n');
}

const STATUS_COLOR: Record<TaskStatus | 'blocked', (text: string) => string> = {
  open: pc.cyan,
  blocked: pc.yellow,
  'in-progress': pc.blue,
  done: pc.green,
  failed: pc.red,
  abandoned: pc.gray,
  'pending-review': pc.magenta,
};

export function status(value: TaskStatus | 'blocked'): string {
  return STATUS_COLOR[value](value);
}

export function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}
