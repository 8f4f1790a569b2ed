/** Printing: JSON for scripts, aligned tables and colour (when wanted) for people. */
import { stripVTControlCharacters } from 'node:util';
import pc from 'picocolors';
import type { TaskStatus } from '../graph/schema.js';

/**
 * Colour only for a person at a terminal: NO_COLOR turns it off, FORCE_COLOR on, and
 * otherwise it follows whether the stream is a terminal. (picocolors alone also turns
 * colour on whenever CI is set, even into a pipe.)
 */
export function colorsFor(
  stream: NodeJS.WriteStream,
  env: NodeJS.ProcessEnv = process.env,
): ReturnType<typeof pc.createColors> {
  if ('NO_COLOR' in env && env.NO_COLOR !== '') return pc.createColors(false);
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return pc.createColors(true);
  return pc.createColors(Boolean(stream.isTTY) && env.TERM !== 'dumb');
}

export const colors = colorsFor(process.stdout);
export const errorColors = colorsFor(process.stderr);

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function visibleWidth(text: string): number {
  return stripVTControlCharacters(text).length;
}

/** Columns padded to the widest cell; the last column is never padded. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(visibleWidth(header), ...rows.map((row) => visibleWidth(row[column] ?? ''))),
  );
  const render = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column === cells.length - 1 ? cell : cell + ' '.repeat(widths[column]! - visibleWidth(cell)),
      )
      .join('  ')
      .trimEnd();
  return [colors.bold(render(headers)), ...rows.map(render)].join('\n');
}

const STATUS_COLOR: Record<TaskStatus | 'blocked', (text: string) => string> = {
  open: colors.cyan,
  blocked: colors.yellow,
  'in-progress': colors.blue,
  done: colors.green,
  failed: colors.red,
  abandoned: colors.gray,
  'pending-review': colors.magenta,
  waiting: colors.yellow,
  'pending-validation': colors.magenta,
  'pending-eval': colors.magenta,
  'failed-pending-eval': colors.red,
  incomplete: colors.yellow,
};

export function status(value: TaskStatus | 'blocked'): string {
  return STATUS_COLOR[value](value);
}

export function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}
