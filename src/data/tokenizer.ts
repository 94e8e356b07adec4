// Tokenizers: characters (Unicode code points), UTF-8 bytes, or any Hugging Face `tokenizers` file.
//
// tokenizer.json is always a genuine Hugging Face `tokenizers` file ("version": "1.0", model,
// normalizer, pre_tokenizer, decoder, added_tokens, ...), so a run folder (config.json,
// model.safetensors, tokenizer.json) loads in transformers, and the library encodes text into
// exactly our ids (hf_format.ts explains how):
//   char  BPE without merges, vocab {character: id}, no pre-tokenizer, decoder Fuse
//   byte  BPE without merges, vocab {GPT-2 byte character: byte}, ByteLevel pre-tokenizer/decoder
// Loading recognises these two structures and gives back our tokenizers; any other Hugging Face
// file (GPT-NeoX's byte-level BPE of the state-spaces/mamba-*-hf models, say) loads as an
// HfTokenizer. The formats saved before, {"type": "char", "vocab": [...]} and {"type": "byte"},
// still load.

import { HfTokenizer } from './hf_tokenizer.js';
import { charTokenizerJson, byteTokenizerJson, recogniseOurs, type HfTokenizerJson } from './hf_format.js';

export type { HfTokenizerJson } from './hf_format.js';
/** The formats of runs saved before tokenizer.json became a Hugging Face file; read, never written. */
export type LegacyTokenizerJson = { type: 'char'; vocab: string[] } | { type: 'byte' };
export type TokenizerJson = HfTokenizerJson | LegacyTokenizerJson;

export interface Tokenizer {
  /** char and byte: ours; hf: any other Hugging Face tokenizer.json. */
  readonly kind: 'char' | 'byte' | 'hf';
  /** Number of token ids (every id < vocabSize needs an embedding row). */
  readonly vocabSize: number;
  encode(text: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
  /** The tokenizer.json content: a Hugging Face `tokenizers` file. */
  toJSON(): HfTokenizerJson;
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
  readonly kind = 'char';
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

  toJSON(): HfTokenizerJson {
    return charTokenizerJson(this.vocab);
  }
}

export class ByteTokenizer implements Tokenizer {
  readonly kind = 'byte';
  readonly vocabSize = 256;

  encode(text: string): Int32Array {
    return Int32Array.from(new TextEncoder().encode(text));
  }

  /**
   * Invalid UTF-8 (a model can emit any byte sequence) decodes to U+FFFD instead of throwing, and a
   * leading byte order mark is kept (ignoreBOM), so that decode(encode(text)) is text.
   */
  decode(ids: ArrayLike<number>): string {
    const bytes = new Uint8Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      checkId(ids[i], 256);
      bytes[i] = ids[i];
    }
    return new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes);
  }

  toJSON(): HfTokenizerJson {
    return byteTokenizerJson();
  }
}

/**
 * Builds a tokenizer from tokenizer.json content: our char/byte files, the legacy
 * {"type": ...} formats, or any Hugging Face file. `label` names the source in errors.
 */
export function tokenizerFromJSON(json: unknown, label = 'tokenizer.json'): Tokenizer {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${label}: expected a JSON object`);
  const o = json as Record<string, unknown>;
  if ('model' in o) {
    if (o.version !== undefined && o.version !== '1.0') {
      throw new Error(`${label}: Hugging Face tokenizer version ${JSON.stringify(o.version)} is not supported (expected "1.0")`);
    }
    const ours = recogniseOurs(o);
    if (ours?.kind === 'char') return new CharTokenizer(ours.vocab);
    if (ours?.kind === 'byte') return new ByteTokenizer();
    return new HfTokenizer(o as HfTokenizerJson, label);
  }
  if (o.type === 'byte') return new ByteTokenizer();
  if (o.type === 'char') return new CharTokenizer(readLegacyCharVocab(o.vocab, label));
  throw new Error(
    `${label}: not a tokenizer file: expected a Hugging Face tokenizer.json (with "model") or mamba-ts's earlier ` +
      `{"type": "char" | "byte"}; got an object with keys ${JSON.stringify(Object.keys(o).slice(0, 8))}`,
  );
}

function readLegacyCharVocab(vocab: unknown, label: string): string[] {
  if (!Array.isArray(vocab)) throw new Error(`${label}: "vocab" must be an array of single characters`);
  const seen = new Map<string, number>();
  vocab.forEach((ch: unknown, i: number) => {
    if (typeof ch !== 'string' || [...ch].length !== 1) {
      throw new Error(`${label}: vocab[${i}] must be a single character (one code point), got ${JSON.stringify(ch)}`);
    }
    if (seen.has(ch)) throw new Error(`${label}: vocab[${i}] ${describeChar(ch)} repeats vocab[${seen.get(ch)}]`);
    seen.set(ch, i);
  });
  return vocab as string[];
}

/**
 * Turns a stream of token ids into printable text pieces that never split a character: a byte
 * tokenizer can emit half of a UTF-8 sequence, and a BPE token half of an emoji. Like Hugging
 * Face's text-generation-inference, it decodes a short window twice, ids[prefix, read) and
 * ids[prefix, end), and prints the difference once it does not end in U+FFFD. Decoding from the
 * same start keeps decoders that treat a leading space specially (Metaspace) consistent.
 * `flush` returns what is still held back at the end (a genuinely invalid tail prints as U+FFFD).
 */
export function streamDecoder(tokenizer: Tokenizer): { push(id: number): string; flush(): string } {
  const ids: number[] = [];
  let prefix = 0;
  let read = 0;
  const pending = (): string => {
    const before = tokenizer.decode(ids.slice(prefix, read));
    return tokenizer.decode(ids.slice(prefix)).slice(before.length);
  };
  return {
    push(id: number): string {
      ids.push(id);
      const piece = pending();
      if (piece.length === 0 || piece.endsWith('\ufffd')) return '';
      prefix = read;
      read = ids.length;
      return piece;
    },
    flush(): string {
      const piece = pending();
      prefix = read = ids.length;
      return piece;
    },
  };
}
