/** Hours as people read them: `1.5h`, never `1.4999999999h`. */
export function formatHours(hours: number): string {
  return `${Number(hours.toFixed(2))}h`;
}
