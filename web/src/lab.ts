// The lab's model work, free of any page or worker: build a model from a text and a preset, train
// it step by step, evaluate, generate, record its inside, save and load it as a Hugging Face folder.
// The page runs it in a Web Worker (lab_worker.ts); Node runs the same class for the speed
// comparison (bench/browser.ts), so the two measure the same code.

import {
  CharTokenizer, createModel, createOptimizer, optimizerStep, modelConfig, parseConfig, prefill, sampleToken, noGrad, withArena,
  encodeSafetensors, decodeSafetensors, tokenizerFromJSON, splitTrainVal, BatchSampler, evaluateText, record, lruEigenvalues, streamDecoder, Rng, TOKENIZER_CONFIG, configText, parsePythonJson,
  type CausalLM, type ModelConfig, type Tokenizer, type RecordName, type LayerRecord,
} from '../../src/browser.js';

export const ARCHS = ['mamba', 'mamba2', 'transformer', 'lru', 's4d'] as const;
export type Arch = (typeof ARCHS)[number];

/** Sizes a person can try in a page: tiny trains in seconds, small in a minute or two, base is the CLI's default model. */
export const PRESETS = {
  tiny: { hidden: 32, layers: 2, batch: 8, context: 64, lr: 4e-3 },
  small: { hidden: 64, layers: 4, batch: 8, context: 128, lr: 4e-3 },
  base: { hidden: 128, layers: 4, batch: 8, context: 256, lr: 4e-3 },
} as const;
export type Preset = keyof typeof PRESETS;

export interface LabOptions {
  arch: Arch;
  preset: Preset;
  /** Training steps of the run (the cosine schedule's length). */
  steps: number;
  seed?: number;
}

export interface StepReport {
  step: number;
  loss: number;
  /** Tokens per second of this step (batch × context ÷ its wall time). */
  tokensPerSec: number;
}

/** A model's config for an architecture and preset (Transformer++: 16-wide heads, tied head, SwiGLU 8/3·D; Mamba-2: 16-wide heads, N 16). */
export function configFor(arch: Arch, preset: Preset, vocab: number): ModelConfig {
  const p = PRESETS[preset];
  if (arch === 'transformer') {
    return modelConfig({
      model_type: 'llama', vocab_size: vocab, hidden_size: p.hidden, num_hidden_layers: p.layers,
      intermediate_size: Math.ceil((8 * p.hidden) / 3 / 8) * 8, num_attention_heads: p.hidden / 16, num_key_value_heads: p.hidden / 16,
      max_position_embeddings: p.context, tie_word_embeddings: true,
    }, 'lab');
  }
  if (arch === 'mamba2') {
    // Heads of 16 channels over the inner width 2·D, one group, the chunk a quarter of the context.
    return modelConfig({
      model_type: 'mamba2', vocab_size: vocab, hidden_size: p.hidden, num_hidden_layers: p.layers, expand: 2,
      num_heads: (2 * p.hidden) / 16, head_dim: 16, n_groups: 1, state_size: 16, chunk_size: p.context / 4, tie_word_embeddings: true,
    }, 'lab');
  }
  return modelConfig({ vocab_size: vocab, hidden_size: p.hidden, num_hidden_layers: p.layers, state_size: 16, mixer: arch }, 'lab');
}

/** The files of a Hugging Face model folder, by name. */
export type FolderFiles = Record<string, Uint8Array>;

export class Lab {
  model: CausalLM;
  tokenizer: Tokenizer;
  step = 0;
  readonly steps: number;
  readonly batch: number;
  readonly context: number;
  private readonly data: { train: Int32Array; val: Int32Array } | null;
  private readonly sampler: BatchSampler | null;
  private readonly opt: ReturnType<typeof createOptimizer>;

  private constructor(model: CausalLM, tokenizer: Tokenizer, o: { steps: number; batch: number; context: number; lr: number; seed: number; text?: string }) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.steps = o.steps;
    this.batch = o.batch;
    this.context = o.context;
    this.data = o.text !== undefined ? splitTrainVal(tokenizer.encode(o.text), 0.1) : null;
    this.sampler = this.data ? new BatchSampler(this.data.train, { batchSize: o.batch, contextLength: o.context, seed: o.seed }) : null;
    this.opt = createOptimizer(model, { steps: o.steps, lr: o.lr, minLr: o.lr / 10, warmupSteps: Math.min(40, Math.ceil(o.steps / 10)), weightDecay: 0.1 });
  }

  /** A fresh model for `text` (character tokenizer over the text's characters; 10 % held out for validation). */
  static forText(text: string, o: LabOptions): Lab {
    const tokenizer = CharTokenizer.fromText(text);
    const p = PRESETS[o.preset];
    const model = createModel(configFor(o.arch, o.preset, tokenizer.vocabSize), { seed: o.seed ?? 0 });
    return new Lab(model, tokenizer, { steps: o.steps, batch: p.batch, context: p.context, lr: p.lr, seed: o.seed ?? 0, text });
  }

  /** A model from a Hugging Face folder's files (config.json, model.safetensors, tokenizer.json): for generating and looking inside. */
  static fromFolder(files: FolderFiles): Lab {
    const text = (name: string) => {
      if (!files[name]) throw new Error(`the folder has no ${name} (a model folder holds config.json, model.safetensors and tokenizer.json)`);
      return new TextDecoder().decode(files[name]);
    };
    const config = parseConfig(parsePythonJson(text('config.json'), 'config.json'), 'config.json');
    const tokenizer = tokenizerFromJSON(JSON.parse(text('tokenizer.json')), 'tokenizer.json');
    if (!files['model.safetensors']) throw new Error('the folder has no model.safetensors (sharded Hub folders: load them with the CLI)');
    const model = createModel(config);
    try {
      model.loadWeights(decodeSafetensors(files['model.safetensors'], 'model.safetensors').tensors);
    } catch (e) {
      throw new Error(`model.safetensors does not fit config.json: ${(e as Error).message}`);
    }
    return new Lab(model, tokenizer, { steps: 1, batch: 1, context: 1, lr: 0, seed: 0 });
  }

  /** Architecture in words: 'mamba', 'mamba2', 'lru', 's4d' or 'transformer'. */
  get arch(): Arch {
    const c = this.model.config as ModelConfig;
    return c.model_type === 'llama' ? 'transformer' : c.model_type === 'mamba2' ? 'mamba2' : c.model_type === 'mamba' ? c.mixer : 'mamba';
  }

  get canTrain(): boolean {
    return this.sampler !== null;
  }

  /** One optimisation step on a fresh random batch. */
  trainStep(): StepReport {
    if (!this.sampler) throw new Error('this model was loaded from a folder: train a new one to train');
    const t0 = performance.now();
    const b = this.sampler.next();
    const { loss } = optimizerStep(this.model, this.opt, this.step, { ...b, batch: this.batch, length: this.context }, 1, 'Try a smaller learning rate.');
    this.step++;
    return { step: this.step, loss, tokensPerSec: (this.batch * this.context * 1000) / (performance.now() - t0) };
  }

  /** Validation bits per character on the first `batches` batches of windows of the held-out 10 %. */
  validate(batches = 1): number {
    if (!this.data) throw new Error('no validation text: this model was loaded from a folder');
    return evaluateText(this.model, this.tokenizer, this.data.val, { batchSize: this.batch, contextLength: this.context, maxBatches: batches }).bitsPerChar;
  }

  /** Streams up to maxTokens after the prompt; `onText` gets each decoded piece and may return true to stop. */
  generate(prompt: string, o: { maxTokens: number; temperature: number; topK: number; topP: number; seed?: number }, onText: (piece: string) => boolean | void): number {
    const ids = this.tokenizer.encode(prompt.length > 0 ? prompt : '\n');
    const rng = new Rng(o.seed ?? 0);
    const sampling = { temperature: o.temperature, topK: o.topK, topP: o.topP, vocabLimit: this.tokenizer.vocabSize };
    const decoder = streamDecoder(this.tokenizer);
    const { state, logits } = prefill(this.model, ids);
    let token = sampleToken(logits, sampling, rng);
    let n = 0;
    for (; n < o.maxTokens; n++) {
      if (onText(decoder.push(token)) === true) return n + 1;
      if (n === o.maxTokens - 1) break;
      const next = Int32Array.of(token);
      token = withArena(() => sampleToken(this.model.step(next, state).data, sampling, rng));
    }
    onText(decoder.flush());
    return n + 1;
  }

  /** The forward pass of `text` (batch 1) with what each layer records; tokens as strings for the axes. */
  inspect(text: string, names: RecordName[] = ['delta', 'stateNorm', 'gate', 'attention']): { tokens: string[]; layers: LayerRecord[]; logits: Float32Array } {
    const ids = this.tokenizer.encode(text);
    if (ids.length === 0) throw new Error('inspect: the text has no characters the model knows');
    const r = record(this.model, ids, 1, ids.length, { record: names });
    return { tokens: Array.from(ids, (id) => this.tokenizer.decode(Int32Array.of(id))), layers: r.layers, logits: r.logits.data.slice() };
  }

  /** Each LRU layer's eigenvalues λ (re, im), for the ring view. */
  eigenvalues(): Array<{ layer: number; re: Float32Array; im: Float32Array | null }> {
    return lruEigenvalues(this.model);
  }

  /** Logits [L, V] of `text` (batch 1), for checking a saved folder loads back the same model. */
  logits(text: string): Float32Array {
    const ids = this.tokenizer.encode(text);
    return noGrad(() => this.model.forward(ids, 1, ids.length).data.slice());
  }

  /** The Hugging Face folder: config.json, model.safetensors (format pt), tokenizer.json, tokenizer_config.json. */
  save(): FolderFiles {
    const enc = new TextEncoder();
    return {
      'config.json': enc.encode(configText(modelConfig(this.model.config as ModelConfig, 'save'))),
      'model.safetensors': encodeSafetensors(this.model.weights(), { format: 'pt' }),
      'tokenizer.json': enc.encode(JSON.stringify(this.tokenizer.toJSON()) + '\n'),
      'tokenizer_config.json': enc.encode(JSON.stringify(TOKENIZER_CONFIG, null, 2) + '\n'),
    };
  }
}
