// A choice's text as its tokens arrive: decoded, cut at the first stop sequence, and released in
// pieces that are final. Text is held back while it could still be the start of a stop sequence
// (the client must never see part of one) or ends in an incomplete UTF-8 character (a byte
// tokenizer decodes half a character to U+FFFD, which the next tokens complete; a character has
// at most 4 bytes, so after 4 such tokens the U+FFFD is what the model wrote and is released).

import type { Tokenizer } from '../data/tokenizer.js';

export class TextStream {
  private readonly ids: number[] = [];
  /** Characters of the decoded text already released. */
  private released = 0;
  private readonly longestStop: number;
  /** Tokens in a row whose text ended in U+FFFD. */
  private unfinished = 0;
  /** Whether a stop sequence appeared (text then ends before it). */
  stopped = false;
  /** The text released so far. */
  text = '';

  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly stops: readonly string[],
  ) {
    this.longestStop = Math.max(0, ...stops.map((s) => s.length));
  }

  /** Adds a token; returns the newly final text ('' when all of it is held back). */
  push(token: number): string {
    this.ids.push(token);
    const full = this.tokenizer.decode(this.ids);
    // A stop sequence can only start in the text not yet released, or overlap its end.
    let cut = -1;
    const from = Math.max(0, this.released - this.longestStop + 1);
    for (const s of this.stops) {
      const at = full.indexOf(s, from);
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      this.stopped = true;
      return this.release(full, Math.max(cut, this.released));
    }
    let end = full.length;
    this.unfinished = full.endsWith('\uFFFD') ? this.unfinished + 1 : 0;
    if (this.unfinished < 4) while (end > this.released && full[end - 1] === '\uFFFD') end--;
    for (let k = Math.min(this.longestStop - 1, end - this.released); k > 0; k--) {
      const tail = full.slice(end - k, end);
      if (this.stops.some((s) => s.startsWith(tail))) {
        end -= k;
        break;
      }
    }
    return this.release(full, end);
  }

  /** At the end of generation (no stop sequence): whatever was held back. */
  flush(): string {
    if (this.stopped) return '';
    return this.release(this.tokenizer.decode(this.ids), Infinity);
  }

  private release(full: string, end: number): string {
    const piece = full.slice(this.released, end);
    this.released = Math.max(this.released, Math.min(end, full.length));
    this.text += piece;
    return piece;
  }
}
