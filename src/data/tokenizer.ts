// Tokenizers: characters (Unicode code points) or UTF-8 bytes.
//
// tokenizer.json formats (ours, not the Hugging Face `tokenizers` format):
//   { "type": "char", "vocab": ["\n", " ", "!", ...] }  token id i is the code point vocab[i]
//   { "type": "byte" }                                    token id = UTF-8 byte value, 256 ids

export type TokenizerJson = { type: 'char'; vocab: string[] } | { type: 'byte' };

export interface Tokenizer {
  vocabSize: number;
  encode(text: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
  toJSON(): TokenizerJson;
}

/** How a character is shown in errors: JSON escapes for control characters, and its code point. */
function describeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  return `'${JSON.stringify(ch).slice(1, -1)}' (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`;
}

function checkId(id: number, vocabSize: number): void {
  if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
    throw new Error(`decode: token id ${id} is out of range for a vocabulary of ${vocabSize}`);
  }
}

export class CharTokenizer implements Tokenizer {
  readonly vocab: readonly string[];
  private readonly ids = new Map<string, number>();

  constructor(vocab: readonly string[]) {
    this.vocab = [...vocab];
    this.vocab.forEach((ch, i) => this.ids.set(ch, i));
  }

  /** The vocabulary is the text's distinct code points sorted by value: the same text, the same ids. */
  static fromText(text: string): CharTokenizer {
    const cps = [...new Set(Array.from(text, (ch) => ch.codePointAt(0)!))].sort((a, b) => a - b);
    return new CharTokenizer(cps.map((cp) => String.fromCodePoint(cp)));
  }

  get vocabSize(): number {
    return this.vocab.length;
  }

  encode(text: string): Int32Array {
    const out: number[] = [];
    const unknown = new Set<string>();
    // for-of walks code points, so an emoji (two UTF-16 units) is one token.
    for (const ch of text) {
      const id = this.ids.get(ch);
      if (id === undefined) unknown.add(ch);
      else out.push(id);
    }
    if (unknown.size > 0) {
      const shown = [...unknown].slice(0, 10).map(describeChar).join(', ');
      const more = unknown.size > 10 ? ` and ${unknown.size - 10} more` : '';
      throw new Error(`prompt contains characters not in the model's vocabulary: ${shown}${more}`);
    }
    return Int32Array.from(out);
  }

  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) {
      checkId(ids[i], this.vocab.length);
      s += this.vocab[ids[i]];
    }
    return s;
  }

  toJSON(): TokenizerJson {
    return { type: 'char', vocab: [...this.vocab] };
  }
}

export class ByteTokenizer implements Tokenizer {
  readonly vocabSize = 256;

  encode(text: string): Int32Array {
    return Int32Array.from(new TextEncoder().encode(text));
  }

  /** Invalid UTF-8 (a model can emit any byte sequence) decodes to U+FFFD instead of throwing. */
  decode(ids: ArrayLike<number>): string {
    const bytes = new Uint8Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      checkId(ids[i], 256);
      bytes[i] = ids[i];
    }
    return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  }

  toJSON(): TokenizerJson {
    return { type: 'byte' };
  }
}

/** Builds a tokenizer from its JSON form; `label` names the source in errors. */
export function tokenizerFromJSON(json: unknown, label = 'tokenizer.json'): Tokenizer {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${label}: expected a JSON object`);
  const o = json as Record<string, unknown>;
  if (o.type === 'byte') return new ByteTokenizer();
  if (o.type === 'char') {
    if (!Array.isArray(o.vocab)) throw new Error(`${label}: "vocab" must be an array of single characters`);
    const seen = new Map<string, number>();
    o.vocab.forEach((ch: unknown, i: number) => {
      if (typeof ch !== 'string' || [...ch].length !== 1) {
        throw new Error(`${label}: vocab[${i}] must be a single character (one code point), got ${JSON.stringify(ch)}`);
      }
      if (seen.has(ch)) throw new Error(`${label}: vocab[${i}] ${describeChar(ch)} repeats vocab[${seen.get(ch)}]`);
      seen.set(ch, i);
    });
    return new CharTokenizer(o.vocab as string[]);
  }
  if ('model' in o && 'version' in o) {
    throw new Error(`${label}: this is a Hugging Face "tokenizers" file; mamba-ts reads {"type": "char", "vocab": [...]} or {"type": "byte"}`);
  }
  throw new Error(`${label}: "type" must be "char" or "byte", got ${JSON.stringify(o.type)}`);
}
