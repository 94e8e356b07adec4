// A choice's text as its tokens arrive: decoded, cut at the first stop sequence, and released in
// pieces that are final. Text is held back while it could still be the start of a stop sequence
// (the client must never see part of one) or ends in an incomplete UTF-8 character (a byte
// tokenizer decodes half a character to U+FFFD, which the next tokens complete; a character has
// at most 4 bytes, so after 4 such tokens the U+FFFD is what the model wrote and is released).
// Decoding is incremental, as vLLM's detokenizer does it: only the last few tokens are decoded,
// twice from the same offset (without and with the new ones) and the difference is the new text,
// so a decoder that treats a sequence's first token specially (a leading space dropped) affects
// both the same way, and a token costs the same whatever the length of the text before it.

import type { Tokenizer } from '../data/tokenizer.js';

export class TextStream {
  private readonly ids: number[] = [];
  /** Tokens [prefixOffset, readOffset) decode to text already in `decoded`; later ones are new. */
  private prefixOffset = 0;
  private readOffset = 0;
  /** The text of all tokens so far that is final (no incomplete character at its end). */
  private decoded = '';
  /** Characters of `decoded` released. */
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
    const before = this.tokenizer.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const now = this.tokenizer.decode(this.ids.slice(this.prefixOffset));
    this.unfinished = now.endsWith('\uFFFD') ? this.unfinished + 1 : 0;
    if (now.length > before.length && (this.unfinished === 0 || this.unfinished >= 4)) {
      this.decoded += now.slice(before.length);
      this.prefixOffset = this.readOffset;
      this.readOffset = this.ids.length;
      this.unfinished = 0;
    }
    return this.releaseFinal();
  }

  /** At the end of generation (no stop sequence): whatever was held back. */
  flush(): string {
    if (this.stopped) return '';
    const before = this.tokenizer.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const now = this.tokenizer.decode(this.ids.slice(this.prefixOffset));
    this.decoded += now.slice(before.length);
    this.prefixOffset = this.readOffset = this.ids.length;
    return this.release(Infinity);
  }

  /** Releases `decoded` up to a stop sequence, or up to what could still begin one. */
  private releaseFinal(): string {
    const full = this.decoded;
    // A stop sequence can only start in the text not yet released, or overlap its end.
    let cut = -1;
    const from = Math.max(0, this.released - this.longestStop + 1);
    for (const s of this.stops) {
      const at = full.indexOf(s, from);
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      this.stopped = true;
      return this.release(Math.max(cut, this.released));
    }
    let end = full.length;
    for (let k = Math.min(this.longestStop - 1, end - this.released); k > 0; k--) {
      const tail = full.slice(end - k, end);
      if (this.stops.some((s) => s.startsWith(tail))) {
        end -= k;
        break;
      }
    }
    return this.release(end);
  }

  private release(end: number): string {
    const piece = this.decoded.slice(this.released, end);
    this.released = Math.max(this.released, Math.min(end, this.decoded.length));
    this.text += piece;
    return piece;
  }
}
