import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a byte stream into lines with bounded memory: a line longer than `maxLength`
 * is passed on cut at that length (marked) and the rest of it is skipped, so an agent
 * that prints a gigabyte without a newline cannot grow the runner's heap.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private skipping = false;

  constructor(
    private readonly maxLength: number,
    private readonly emit: (line: string) => void,
  ) {}

  push(chunk: Buffer): void {
    let text = this.decoder.write(chunk);
    for (;;) {
      const newline = text.indexOf('\n');
      if (newline === -1) break;
      const piece = text.slice(0, newline);
      text = text.slice(newline + 1);
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      this.emit(stripCarriageReturn(this.partial + piece));
      this.partial = '';
    }
    if (this.skipping) return;
    this.partial += text;
    if (this.partial.length > this.maxLength) {
      this.emit(`${this.partial.slice(0, this.maxLength)} … [line cut at ${this.maxLength} characters]`);
      this.partial = '';
      this.skipping = true;
    }
  }

  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (!this.skipping && rest.length > 0) this.emit(stripCarriageReturn(rest));
    this.skipping = false;
  }
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
