// A Hugging Face `tokenizers` file (tokenizer.json of a Hub model folder, e.g. GPT-NeoX's byte-level
// BPE used by state-spaces/mamba-*-hf) behind our Tokenizer interface. The pipeline (normalizer,
// pre-tokenizer, BPE/WordPiece/Unigram model, added tokens, decoder) runs in @huggingface/tokenizers,
// a dependency-free JS port of the Rust library that builds everything from the JSON object in
// memory: nothing is fetched.
//
// Choices, for a language model that continues and scores raw text:
// - encode adds no special tokens (no BOS/EOS template): `generate` continues the prompt as written
//   and `eval` scores a text stream;
// - decode keeps special tokens and does not "clean up tokenization spaces" (a transformers-level
//   option that would turn "a ." into "a."), so the text is exactly what the ids spell.

import { Tokenizer as HfLibTokenizer } from '@huggingface/tokenizers';
import type { HfTokenizerJson } from './hf_format.js';
import type { Tokenizer } from './tokenizer.js';

/**
 * The part of the library's Tokenizer we use. Its bundled .d.ts files import each other without
 * file extensions, which NodeNext resolution does not follow, so the class arrives untyped.
 */
interface HfLib {
  encode(text: string, options: { add_special_tokens: boolean }): { ids: (number | undefined)[]; tokens: string[] };
  decode(ids: number[], options: { skip_special_tokens: boolean; clean_up_tokenization_spaces: boolean }): string;
  id_to_token(id: number): string | undefined;
  get_vocab(withAddedTokens: boolean): Map<string, number>;
}

/** Model types the library implements; WordLevel and others would be misread, so they are refused. */
const MODEL_TYPES = ['BPE', 'WordPiece', 'Unigram'];

export class HfTokenizer implements Tokenizer {
  readonly kind = 'hf';
  /** Number of ids: the highest id of the vocabulary and added tokens + 1 (GPT-NeoX: 50277). */
  readonly vocabSize: number;
  private readonly lib: HfLib;
  private readonly json: HfTokenizerJson;

  constructor(json: HfTokenizerJson, label: string) {
    const type = json.model?.type;
    if (typeof json.model !== 'object' || json.model === null) throw new Error(`${label}: "model" must be an object`);
    if (typeof type !== 'string' || !MODEL_TYPES.includes(type)) {
      throw new Error(`${label}: model type ${JSON.stringify(type)} is not supported (supported: ${MODEL_TYPES.join(', ')})`);
    }
    if (json.added_tokens !== undefined && !Array.isArray(json.added_tokens)) throw new Error(`${label}: "added_tokens" must be an array`);
    this.json = json;
    // Missing parts mean "none", as in the Rust library; the JS port wants every key present.
    const full = { normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, added_tokens: [], ...(json as object) };
    try {
      this.lib = new HfLibTokenizer(full, {}) as HfLib;
    } catch (err) {
      throw new Error(`${label}: not a usable Hugging Face tokenizer (${(err as Error).message})`);
    }
    let maxId = -1;
    for (const id of this.lib.get_vocab(true).values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    if (this.vocabSize === 0) throw new Error(`${label}: the vocabulary is empty`);
  }

  encode(text: string): Int32Array {
    const { ids, tokens } = this.lib.encode(text, { add_special_tokens: false });
    const out = new Int32Array(ids.length);
    ids.forEach((id, i) => {
      // The library maps a token it cannot find to the unknown token's id, undefined when there is none.
      if (id === undefined) throw new Error(`encode: token ${JSON.stringify(tokens[i])} has no id in this tokenizer's vocabulary`);
      out[i] = id;
    });
    return out;
  }

  /**
   * Ids that have no token decode to nothing, as in the Rust library: a model's vocab_size is often
   * padded beyond the tokenizer (mamba-130m-hf: 50280 rows, 50277 ids), and it can sample those rows.
   */
  decode(ids: ArrayLike<number>): string {
    const list: number[] = [];
    for (const id of Array.from(ids)) {
      if (!Number.isInteger(id) || id < 0) throw new Error(`decode: token id ${id} is not a non-negative integer`);
      if (this.lib.id_to_token(id) !== undefined) list.push(id);
    }
    if (list.length === 0) return '';
    return this.lib.decode(list, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }

  toJSON(): HfTokenizerJson {
    return this.json;
  }
}
