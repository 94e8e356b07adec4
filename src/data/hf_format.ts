// Our char and byte tokenizers written as Hugging Face `tokenizers` files (tokenizer.json,
// "version": "1.0"), so that a run folder loads in transformers / tokenizers unchanged and the
// library encodes text into exactly our ids. Both are a BPE model with no merges:
//
//   char: vocab = {character: id}, no normalizer, no pre-tokenizer, decoder Fuse.
//         With no pre-tokenizer the whole text is one word; BPE splits a word into its characters
//         (Unicode scalar values, as our for-of walks code points) and looks each up in the vocab;
//         with no merges nothing is joined, so id i is the character vocab[i]. Fuse joins the
//         tokens with nothing between them (without a decoder the library joins them with spaces).
//   byte: vocab = {byteChar(b): b} for the 256 bytes, pre-tokenizer and decoder ByteLevel with
//         use_regex false and add_prefix_space false: the pre-tokenizer maps each UTF-8 byte of the
//         whole text to its GPT-2 stand-in character, BPE without merges keeps one token per
//         character, so id = byte value; the decoder maps the characters back to bytes and decodes
//         UTF-8 lossily (U+FFFD), as our ByteTokenizer does. This is the GPT-2/GPT-NeoX byte scheme
//         with the merges left out; byte_fallback (<0x41> tokens) would need a vocab of 256 odd
//         names plus decoders ByteFallback + Fuse for the same result, so ByteLevel is the simpler one.
//
// No marker key is needed, nor possible: the Rust library (tokenizers 0.23.2) fails to parse a file
// with an unknown top-level key, and drops unknown keys inside parts when it saves. Our files are recognised by their structure instead: a
// file with exactly this structure behaves exactly as our tokenizer does (both ids and text), so
// reading it as ours is faithful. The Rust library (tokenizers 0.23) writes both files back
// unchanged; transformers (v5) adds a post-processor that passes the sequence through, accepted as
// "none", so a folder re-saved by transformers still loads as char or byte. Our CharTokenizer
// throws on characters outside the vocabulary where the library silently drops them.
//
// tokenizer_config.json names the generic class: without it, transformers' AutoTokenizer picks the
// class of config.json's model_type "mamba" (GPTNeoXTokenizer), which in v5 rebuilds GPT-NeoX's
// byte-level pipeline around our vocabulary and so mis-encodes the char tokenizer (measured with
// transformers 5.17). PreTrainedTokenizerFast, the generic class, loads tokenizer.json as it is, and
// no clean-up of spaces keeps decode(ids) equal to the text.
export const TOKENIZER_CONFIG = { tokenizer_class: 'PreTrainedTokenizerFast', clean_up_tokenization_spaces: false };

/** A Hugging Face `tokenizers` file as far as we look into it; other keys are kept as they are. */
export interface HfTokenizerJson {
  version: string;
  truncation: unknown;
  padding: unknown;
  added_tokens: HfAddedToken[];
  normalizer: unknown;
  pre_tokenizer: unknown;
  post_processor: unknown;
  decoder: unknown;
  model: { type?: string; vocab?: unknown; merges?: unknown; [key: string]: unknown };
  [key: string]: unknown;
}

export interface HfAddedToken {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/**
 * GPT-2's byte-to-character map: printable bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for
 * themselves, the other 68 bytes (controls, space, DEL, NBSP, soft hyphen) take U+0100.. in byte
 * order, so every byte is a visible character and no token contains whitespace.
 */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = [];
  let next = 0x100;
  for (let b = 0; b < 256; b++) out.push(String.fromCodePoint(printable(b) ? b : next++));
  return out;
})();

function bpeModel(vocab: Record<string, number>): HfTokenizerJson['model'] {
  return {
    type: 'BPE',
    dropout: null,
    unk_token: null,
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: false,
    byte_fallback: false,
    ignore_merges: false,
    vocab,
    merges: [],
  };
}

function tokenizerFile(parts: Pick<HfTokenizerJson, 'pre_tokenizer' | 'decoder' | 'model'>): HfTokenizerJson {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: parts.pre_tokenizer,
    post_processor: null,
    decoder: parts.decoder,
    model: parts.model,
  };
}

export function charTokenizerJson(vocab: readonly string[]): HfTokenizerJson {
  const ids: Record<string, number> = {};
  vocab.forEach((ch, i) => (ids[ch] = i));
  return tokenizerFile({ pre_tokenizer: null, decoder: { type: 'Fuse' }, model: bpeModel(ids) });
}

export function byteTokenizerJson(): HfTokenizerJson {
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false };
  const ids: Record<string, number> = {};
  BYTE_TO_CHAR.forEach((ch, b) => (ids[ch] = b));
  return tokenizerFile({ pre_tokenizer: byteLevel, decoder: byteLevel, model: bpeModel(ids) });
}

/** What a file written by charTokenizerJson or byteTokenizerJson holds, or null for any other file. */
export type OurTokenizer = { kind: 'char'; vocab: string[] } | { kind: 'byte' };

export function recogniseOurs(o: Record<string, unknown>): OurTokenizer | null {
  const file = withDefaults(o);
  if (sameJson(file, byteTokenizerJson())) return { kind: 'byte' };
  const vocab = charVocab(file.model.vocab);
  if (vocab && sameJson(file, charTokenizerJson(vocab))) return { kind: 'char', vocab };
  return null;
}

/** vocab[id] = character, if the BPE vocab maps single characters to the ids 0..n-1; else null. */
function charVocab(vocab: unknown): string[] | null {
  if (typeof vocab !== 'object' || vocab === null || Array.isArray(vocab)) return null;
  const entries = Object.entries(vocab as Record<string, unknown>);
  const chars: string[] = new Array(entries.length);
  for (const [ch, id] of entries) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= entries.length || chars[id] !== undefined) return null;
    if (ch.length > 2 || [...ch].length !== 1) return null;
    chars[id] = ch;
  }
  return chars;
}

/**
 * A file with its omitted parts filled in as the Rust library reads them (absent = none, absent BPE
 * options = off), so that a hand-written or older file compares equal to ours.
 */
function withDefaults(o: Record<string, unknown>): HfTokenizerJson {
  const model = { dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false };
  const parts = { version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null };
  const m = o.model;
  const post_processor = o.post_processor === undefined || sameJson(o.post_processor, IDENTITY_TEMPLATE) ? null : o.post_processor;
  return { ...parts, ...o, post_processor, model: { ...model, ...(typeof m === 'object' && m !== null ? m : {}) } } as HfTokenizerJson;
}

/** The post-processor transformers adds when it re-saves a tokenizer: the sequence as it is. */
const IDENTITY_TEMPLATE = {
  type: 'TemplateProcessing',
  single: [{ Sequence: { id: 'A', type_id: 0 } }],
  pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
  special_tokens: {},
};

/** Deep equality of JSON values, ignoring the order of object keys. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
