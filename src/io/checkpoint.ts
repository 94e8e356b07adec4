// A run/checkpoint folder: the Hugging Face layout plus our training state.
//
//   config.json            ModelConfig (HF keys)                       required
//   model.safetensors      weights, HF tensor names, metadata format=pt required, or above
//                          maxShardBytes of weights the Hub's layout:
//   model.safetensors.index.json + model-0000k-of-0000n.safetensors
//   tokenizer.json         Hugging Face `tokenizers` file (ours or any) optional
//   tokenizer_config.json  {"tokenizer_class": "PreTrainedTokenizerFast"} written with tokenizer.json
//   trainer_state.json     step, RNG and sampler state, metrics (any JSON) optional
//   optimizer.safetensors  AdamW moments `m.<param name>`, `v.<param name>` optional
//
// Saving must never leave a folder that loads as a mix of two saves (new weights with the old
// optimizer step, say). Each file alone is replaced atomically, but six renames are not one, so a
// save is a small redo log:
//   1. stage: write every new file as `<name>.next` (each atomically, fsynced);
//   2. commit: write `checkpoint.pending.json` listing which files the new checkpoint has;
//   3. apply: rename each `<name>.next` over `<name>`, delete files the new checkpoint lacks,
//      then delete the pending record.
// A kill before the commit leaves the old files untouched (stray `.next` files are ignored and
// overwritten by the next save). A kill after it leaves a record that readers follow (taking
// `<name>.next` while it exists, `<name>` once renamed), so they see the new checkpoint whole, and
// the next save finishes the renames first. A reader racing a live save retries until it has
// opened one checkpoint whole (checkpoint_files.ts), so reading a run folder while it trains is
// safe. A record that does not parse was not written by a save (see readerRecord); the temp
// files of killed writers are removed at the next save or load (removeStaleTemps). Python tools that read only config.json and model.safetensors see each of them whole at
// every moment. Two saves into one folder at the same time are not supported.
// A sharded save stages its shards as `<shard>.next` too and lists them in the record; applying
// it renames them into place and deletes every other shard file (a previous save's). Weights are
// streamed to disk tensor by tensor (saveSafetensors): no buffer of a whole file.
//
// Inference (loadCheckpoint with training: false) reads only config.json, the weights (model.safetensors,
// or a Hub folder's shards: checkpoint_weights.ts) and the tokenizer, so damaged training files do not stop generate, eval, info or logits. The weights are
// checked against config.json from the safetensors header before any data is read, and for NaN/Inf
// once read (weights_check.ts).

import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic, writeJsonAtomic, syncDir, removeStaleTemps } from './atomic.js';
import { decodeSafetensors, saveSafetensors, type NamedTensor } from './safetensors.js';
import { openWeightFiles, readRowBlocks, readWeight, readWeights, type WeightFiles } from './checkpoint_weights.js';
import { packedWeight, setPackedRows } from '../nn/packed.js';
import { CHECKPOINT_FILES, INDEX, PENDING, SHARD_FILE, closeFiles, openCheckpointFiles, parsePending, readAll, readPendingText, shardFile, type FileName, type OpenFile, type PendingRecord } from './checkpoint_files.js';
import { checkFinite, checkMemory, checkWeightsFitConfig } from './weights_check.js';
import { modelConfig, parseConfig, type ModelConfig, type ModelConfigInput } from '../models/config.js';
import { configText, parsePythonJson } from './config.js';
import type { CausalLMConfig } from '../models/causal_lm.js';
import type { Module } from '../nn/module.js';
import { shapeStr } from '../tensor/tensor.js';
import { tokenizerFromJSON, type Tokenizer, type TokenizerJson } from '../data/tokenizer.js';
import { TOKENIZER_CONFIG } from '../data/hf_format.js';

export { CHECKPOINT_FILES };

export interface Checkpoint {
  config: ModelConfig;
  weights: Map<string, NamedTensor>;
  tokenizer?: TokenizerJson;
  trainerState?: unknown;
  optimizer?: Map<string, NamedTensor>;
}

/** What saveCheckpoint takes: the config may be partial, it is completed and validated on save. */
export type CheckpointInput = Omit<Checkpoint, 'config'> & { config: ModelConfigInput | CausalLMConfig };

/**
 * Bytes of weights above which a save is sharded: transformers' max_shard_size default since v5
 * ("50GB", decimal; "5GB" before). Files of any size are written in pieces (no 2 GiB limit), so
 * Node needs no smaller shards.
 */
export const MAX_SHARD_BYTES = 50e9;

export interface SaveOptions {
  /** Shard the weights into files of at most this many bytes of data (a larger tensor alone in its shard); default MAX_SHARD_BYTES. */
  maxShardBytes?: number;
}

export function saveCheckpoint(dir: string, ckpt: CheckpointInput, opts: SaveOptions = {}): void {
  const config = modelConfig(ckpt.config, `saveCheckpoint ${dir}: config`);
  if (ckpt.tokenizer) checkTokenizer(ckpt.tokenizer, config, `saveCheckpoint ${dir}: tokenizer`);
  const maxShardBytes = opts.maxShardBytes ?? MAX_SHARD_BYTES;
  if (!(maxShardBytes > 0)) throw new Error(`saveCheckpoint ${dir}: maxShardBytes must be a positive number of bytes, got ${maxShardBytes}`);
  fs.mkdirSync(dir, { recursive: true });
  removeStaleTemps(dir);
  const pending = parsePending(readPendingText(dir));
  // A record that is not one was never committed by a save (see checkpoint_files.ts); this save
  // replaces every file, so it only has to go before anything is staged.
  if (pending === 'garbage') fs.rmSync(path.join(dir, PENDING), { force: true });
  else if (pending) applyPending(dir, pending);

  const shards = planShards(ckpt.weights, maxShardBytes);
  const sharded = shards.length > 1;
  const text = (s: string) => (target: string) => writeFileAtomic(target, s);
  // transformers refuses safetensors weights without metadata format "pt".
  const tensors = (t: Map<string, NamedTensor>) => (target: string) => saveSafetensors(target, t, { format: 'pt' });
  const writers: Record<FileName, ((target: string) => void) | null> = {
    'config.json': text(configText(config)),
    'model.safetensors': sharded ? null : tensors(ckpt.weights),
    [INDEX]: sharded ? text(JSON.stringify(shardIndex(shards), null, 2) + '\n') : null,
    'tokenizer.json': ckpt.tokenizer ? text(JSON.stringify(ckpt.tokenizer) + '\n') : null,
    // So that transformers' AutoTokenizer reads tokenizer.json as it is (see data/hf_format.ts).
    'tokenizer_config.json': ckpt.tokenizer ? text(JSON.stringify(TOKENIZER_CONFIG, null, 2) + '\n') : null,
    'trainer_state.json': ckpt.trainerState !== undefined ? text(JSON.stringify(ckpt.trainerState, null, 2) + '\n') : null,
    'optimizer.safetensors': ckpt.optimizer ? tensors(ckpt.optimizer) : null,
  };
  const record: PendingRecord = { files: {} as Record<FileName, boolean>, id: randomBytes(8).toString('hex') };
  if (sharded) {
    record.shards = shards.map((_, k) => shardFile(k + 1, shards.length));
    shards.forEach((shard, k) => tensors(shard)(path.join(dir, `${record.shards![k]}.next`)));
  }
  for (const name of CHECKPOINT_FILES) {
    const write = writers[name];
    if (write !== null) write(path.join(dir, `${name}.next`));
    record.files[name] = write !== null;
  }
  writeJsonAtomic(path.join(dir, PENDING), record);
  applyPending(dir, record);
}

/** The weights in shards of at most maxBytes of data, in their order (as huggingface_hub splits a state dict). */
function planShards(weights: Map<string, NamedTensor>, maxBytes: number): Map<string, NamedTensor>[] {
  const shards: Map<string, NamedTensor>[] = [new Map()];
  let bytes = 0;
  for (const [name, t] of weights) {
    const size = t.data.byteLength;
    if (bytes + size > maxBytes && shards[shards.length - 1].size > 0) {
      shards.push(new Map());
      bytes = 0;
    }
    shards[shards.length - 1].set(name, t);
    bytes += size;
  }
  return shards;
}

/** model.safetensors.index.json of these shards: the bytes of tensor data and where each tensor is. */
function shardIndex(shards: Map<string, NamedTensor>[]): { metadata: { total_size: number }; weight_map: Record<string, string> } {
  let total = 0;
  const placed: Array<[string, string]> = [];
  shards.forEach((shard, k) => {
    for (const [name, t] of shard) {
      total += t.data.byteLength;
      placed.push([name, shardFile(k + 1, shards.length)]);
    }
  });
  placed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { metadata: { total_size: total }, weight_map: Object.fromEntries(placed) };
}

/** Moves the staged files into place and removes the ones the new checkpoint lacks (other saves' shards too); idempotent. */
function applyPending(dir: string, record: PendingRecord): void {
  const shards = new Set(record.shards ?? []);
  for (const shard of shards) {
    const target = path.join(dir, shard);
    if (fs.existsSync(`${target}.next`)) fs.renameSync(`${target}.next`, target);
  }
  for (const name of fs.readdirSync(dir)) {
    const file = name.endsWith('.next') ? name.slice(0, -'.next'.length) : name;
    if (SHARD_FILE.test(file) && !shards.has(file)) fs.rmSync(path.join(dir, name), { force: true });
  }
  for (const name of CHECKPOINT_FILES) {
    const target = path.join(dir, name);
    if (record.files[name]) {
      if (fs.existsSync(`${target}.next`)) fs.renameSync(`${target}.next`, target);
    } else {
      fs.rmSync(target, { force: true });
      fs.rmSync(`${target}.next`, { force: true });
    }
  }
  syncDir(dir);
  fs.rmSync(path.join(dir, PENDING), { force: true });
}

export interface LoadOptions {
  requireTokenizer?: boolean;
  /** Also read trainer_state.json and optimizer.safetensors (default true); inference needs neither. */
  training?: boolean;
}

/**
 * The checkpoint in `dir`, validated: config.json, the weights checked against it (names, shapes,
 * then finite values), the tokenizer against its vocab_size, and with `training` the training state.
 */
export function loadCheckpoint(dir: string, opts: LoadOptions = {}): Checkpoint {
  return withCheckpointFiles(dir, opts, (files, config) => {
    const weights = withWeightFiles(files, config, dir, (w, parameters) => {
      checkMemory(parameters, w.label);
      const read = readWeights(w);
      checkFinite(read, w.label);
      return read;
    });
    const ckpt: Checkpoint = { config, weights };
    const tok = files.get('tokenizer.json');
    if (tok) ckpt.tokenizer = readTokenizer(dir, tok, config).json;
    const state = files.get('trainer_state.json');
    if (state) ckpt.trainerState = readJson(state);
    const optimizer = files.get('optimizer.safetensors');
    if (optimizer) ckpt.optimizer = decodeSafetensors(readAll(optimizer), labelOf(dir, optimizer.path)).tensors;
    return ckpt;
  });
}

/**
 * A folder's model for inference, its weights streamed into it: config.json and the tokenizer
 * are read and every weight header checked against the config as loadCheckpoint does; then
 * `build(config)` makes the model and each tensor is read alone (as f32), checked finite and
 * loaded into it; a matrix by blocks of rows (of 8 MB), packed as it comes when the model keeps
 * it packed (src/nn/packed.ts). The peak is the model as it keeps its weights plus a block (or a
 * small tensor). `bytesPerParameter` is what the model keeps, for the memory check.
 */
export function loadCheckpointInto<M extends Module>(
  dir: string,
  opts: { requireTokenizer?: boolean; bytesPerParameter: number },
  build: (config: ModelConfig) => M,
): { model: M; config: ModelConfig; tokenizer?: TokenizerJson } {
  return withCheckpointFiles(dir, { requireTokenizer: opts.requireTokenizer, training: false }, (files, config) => {
    const model = withWeightFiles(files, config, dir, (w, parameters) => {
      checkMemory(parameters, w.label, opts.bytesPerParameter);
      const m = build(config);
      const own = m.stateDict();
      for (const [name, t] of w.tensors) {
        const param = own.get(name);
        if (!param) continue; // a tied head stored anyway (checkWeightsFitConfig allows it)
        if (shapeStr(t.entry.shape) !== shapeStr(param.shape)) throw new Error(`${t.label}: tensor ${name} has shape ${shapeStr(t.entry.shape)}, the model expects ${shapeStr(param.shape)}`);
        if (param.ndim === 2) {
          // A matrix by blocks of rows, packed as it comes when the model keeps it packed.
          const cols = t.entry.shape[1];
          const packed = packedWeight(param);
          readRowBlocks(t, (block, firstRow) => {
            checkFinite(new Map([[`${name} (rows ${firstRow}…${firstRow + block.length / cols - 1})`, { shape: [], data: block }]]), t.label);
            if (packed) setPackedRows(param, block, firstRow);
            else param.data.set(block, firstRow * cols);
          });
        } else {
          const one = new Map([[name, readWeight(t)]]);
          checkFinite(one, t.label);
          m.loadStateDict(one, { strict: false });
        }
        own.delete(name);
      }
      if (own.size > 0) throw new Error(`${w.label}: no tensor for the model's ${[...own.keys()].slice(0, 3).join(', ')}`);
      return m;
    });
    const tok = files.get('tokenizer.json');
    return { model, config, tokenizer: tok ? readTokenizer(dir, tok, config).json : undefined };
  });
}

/**
 * What `info` shows, without building the model or reading its weights: the config, the
 * parameter count from the safetensors header (checked against the config) and the tokenizer.
 */
export function describeCheckpoint(dir: string): { config: ModelConfig; parameters: number; tokenizer: Tokenizer | null } {
  return withCheckpointFiles(dir, { training: false }, (files, config) => {
    const parameters = withWeightFiles(files, config, dir, (_w, n) => n);
    const tok = files.get('tokenizer.json');
    return { config, parameters, tokenizer: tok ? readTokenizer(dir, tok, config).tokenizer : null };
  });
}

/** Opens the checkpoint's files as one (see checkpoint_files.ts), checks the required ones, parses config.json. */
function withCheckpointFiles<T>(dir: string, opts: LoadOptions, read: (files: Map<string, OpenFile>, config: ModelConfig) => T): T {
  if (!fs.existsSync(dir)) throw new Error(`${dir}: folder not found`);
  if (!fs.statSync(dir).isDirectory()) throw new Error(`${dir} is a file, expected a model folder (holding config.json and model.safetensors)`);
  removeStaleTemps(dir);
  const names: FileName[] = ['config.json', 'model.safetensors', INDEX, 'tokenizer.json'];
  if (opts.training ?? true) names.push('trainer_state.json', 'optimizer.safetensors');
  const opened = openCheckpointFiles(dir, names);
  try {
    const present = (): string => {
      const entries = fs.readdirSync(dir).sort();
      return entries.length === 0 ? 'the folder is empty' : `it holds: ${entries.join(', ')}`;
    };
    if (!opened.get('config.json')) throw new Error(`${dir} is not a model folder: config.json is missing (${present()})`);
    // The config first: an original mamba_ssm folder's says how to convert it.
    const configFile = opened.get('config.json')!;
    const config = parseConfig(parsePythonJson(readAll(configFile).toString('utf8'), configFile.path), labelOf(dir, configFile.path));
    if (!opened.get('model.safetensors') && !opened.get(INDEX)) {
      if (fs.existsSync(path.join(dir, 'pytorch_model.bin'))) {
        // A pickle runs code when loaded: we read safetensors only.
        throw new Error(
          `${dir}: holds pytorch_model.bin (PyTorch's pickle format), which mamba-ts does not read; convert the folder to safetensors with ` +
            "transformers' conversion script (for the original state-spaces/mamba checkpoints: python -m " +
            'transformers.models.mamba.convert_mamba_ssm_checkpoint_to_pytorch), or load it in transformers and save_pretrained it',
        );
      }
      throw new Error(`${dir} is not a model folder: model.safetensors (or ${INDEX} with its shards) is missing (${present()})`);
    }
    if (opts.requireTokenizer && !opened.get('tokenizer.json')) {
      throw new Error(`${dir}: tokenizer.json is missing, so text cannot be encoded for this model (${present()})`);
    }
    const files = new Map([...opened].filter((e): e is [string, OpenFile] => e[1] !== null));
    return read(files, config);
  } finally {
    closeFiles(opened);
  }
}

/**
 * The weight files (model.safetensors, or the shards of model.safetensors.index.json), their
 * headers checked against the config before any data is read; `read` gets the parameter count.
 */
function withWeightFiles<T>(files: Map<string, OpenFile>, config: ModelConfig, dir: string, read: (w: WeightFiles, parameters: number) => T): T {
  const w = openWeightFiles(files, (p) => labelOf(dir, p));
  const shapes = new Map([...w.tensors].map(([name, t]) => [name, { shape: t.entry.shape, file: t.label }]));
  return read(w, checkWeightsFitConfig(config, shapes, w.label, labelOf(dir, files.get('config.json')!.path)));
}

function readTokenizer(dir: string, f: OpenFile, config: ModelConfig): { json: TokenizerJson; tokenizer: Tokenizer } {
  const label = labelOf(dir, f.path);
  const json = readJson(f) as TokenizerJson;
  return { json, tokenizer: checkTokenizer(json, config, label) };
}

function labelOf(dir: string, file: string): string {
  return path.join(dir, path.basename(file));
}

function readJson(f: OpenFile): unknown {
  try {
    return JSON.parse(readAll(f).toString('utf8'));
  } catch (err) {
    throw new Error(`${f.path}: invalid JSON (${(err as Error).message})`);
  }
}

/** A valid tokenizer whose ids all have an embedding row (HF may pad vocab_size upwards). */
function checkTokenizer(json: TokenizerJson, config: ModelConfig, label: string): Tokenizer {
  const tok = tokenizerFromJSON(json, label);
  if (tok.vocabSize > config.vocab_size) {
    throw new Error(`${label}: ${tok.vocabSize} tokens, but config.json vocab_size is ${config.vocab_size}`);
  }
  return tok;
}
