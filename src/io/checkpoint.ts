// A run/checkpoint folder: the Hugging Face layout plus our training state.
//
//   config.json            ModelConfig (HF keys)                       required
//   model.safetensors      weights, HF tensor names, metadata format=pt required
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
// the next save finishes the renames first. Python tools that read only config.json and
// model.safetensors see each of them whole at every moment. Two saves into one folder at the same
// time are not supported.

import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic, syncDir } from './atomic.js';
import { encodeSafetensors, loadSafetensors, type NamedTensor } from './safetensors.js';
import { modelConfig, parseConfig, type ModelConfig, type ModelConfigInput } from '../models/config.js';
import type { CausalLMConfig } from '../models/causal_lm.js';
import { tokenizerFromJSON, type TokenizerJson } from '../data/tokenizer.js';
import { TOKENIZER_CONFIG } from '../data/hf_format.js';

export interface Checkpoint {
  config: ModelConfig;
  weights: Map<string, NamedTensor>;
  tokenizer?: TokenizerJson;
  trainerState?: unknown;
  optimizer?: Map<string, NamedTensor>;
}

/** What saveCheckpoint takes: the config may be partial, it is completed and validated on save. */
export type CheckpointInput = Omit<Checkpoint, 'config'> & { config: ModelConfigInput | CausalLMConfig };

export const CHECKPOINT_FILES = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'trainer_state.json', 'optimizer.safetensors'] as const;
type FileName = (typeof CHECKPOINT_FILES)[number];
const PENDING = 'checkpoint.pending.json';

/** For each file of the new checkpoint: true = staged as `<name>.next`, false = absent. */
type PendingRecord = { files: Record<FileName, boolean> };

export function saveCheckpoint(dir: string, ckpt: CheckpointInput): void {
  const config = modelConfig(ckpt.config, `saveCheckpoint ${dir}: config`);
  if (ckpt.tokenizer) checkTokenizer(ckpt.tokenizer, config, `saveCheckpoint ${dir}: tokenizer`);
  fs.mkdirSync(dir, { recursive: true });
  const pending = readPending(dir);
  if (pending) applyPending(dir, pending);

  const contents: Record<FileName, Uint8Array | string | null> = {
    'config.json': JSON.stringify(config, null, 2) + '\n',
    // transformers refuses safetensors weights without metadata format "pt".
    'model.safetensors': encodeSafetensors(ckpt.weights, { format: 'pt' }),
    'tokenizer.json': ckpt.tokenizer ? JSON.stringify(ckpt.tokenizer) + '\n' : null,
    // So that transformers' AutoTokenizer reads tokenizer.json as it is (see data/hf_format.ts).
    'tokenizer_config.json': ckpt.tokenizer ? JSON.stringify(TOKENIZER_CONFIG, null, 2) + '\n' : null,
    'trainer_state.json': ckpt.trainerState !== undefined ? JSON.stringify(ckpt.trainerState, null, 2) + '\n' : null,
    'optimizer.safetensors': ckpt.optimizer ? encodeSafetensors(ckpt.optimizer, { format: 'pt' }) : null,
  };
  const record: PendingRecord = { files: {} as Record<FileName, boolean> };
  for (const name of CHECKPOINT_FILES) {
    const data = contents[name];
    if (data !== null) writeFileAtomic(path.join(dir, `${name}.next`), data);
    record.files[name] = data !== null;
  }
  writeJsonAtomic(path.join(dir, PENDING), record);
  applyPending(dir, record);
}

/** Moves the staged files into place and removes the ones the new checkpoint lacks; idempotent. */
function applyPending(dir: string, record: PendingRecord): void {
  for (const name of CHECKPOINT_FILES) {
    const target = path.join(dir, name);
    if (record.files[name]) {
      if (fs.existsSync(`${target}.next`)) fs.renameSync(`${target}.next`, target);
    } else {
      fs.rmSync(target, { force: true });
    }
  }
  syncDir(dir);
  fs.rmSync(path.join(dir, PENDING), { force: true });
}

function readPending(dir: string): PendingRecord | null {
  const file = path.join(dir, PENDING);
  if (!fs.existsSync(file)) return null;
  const record = JSON.parse(fs.readFileSync(file, 'utf8')) as PendingRecord;
  if (typeof record?.files !== 'object' || record.files === null) throw new Error(`${file}: not a pending-checkpoint record`);
  return record;
}

/** Where each file of the current checkpoint is, following an unfinished commit if there is one. */
function locateFiles(dir: string): Record<FileName, string | null> {
  const pending = readPending(dir);
  const out = {} as Record<FileName, string | null>;
  for (const name of CHECKPOINT_FILES) {
    const target = path.join(dir, name);
    if (pending && !pending.files[name]) out[name] = null;
    else if (pending && fs.existsSync(`${target}.next`)) out[name] = `${target}.next`;
    else out[name] = fs.existsSync(target) ? target : null;
  }
  return out;
}

export function loadCheckpoint(dir: string, opts: { requireTokenizer?: boolean } = {}): Checkpoint {
  if (!fs.existsSync(dir)) throw new Error(`${dir}: folder not found`);
  if (!fs.statSync(dir).isDirectory()) throw new Error(`${dir} is a file, expected a model folder (holding config.json and model.safetensors)`);
  const files = locateFiles(dir);
  const present = (): string => {
    const names = fs.readdirSync(dir).sort();
    return names.length === 0 ? 'the folder is empty' : `it holds: ${names.join(', ')}`;
  };
  for (const name of ['config.json', 'model.safetensors'] as const) {
    if (!files[name]) throw new Error(`${dir} is not a model folder: ${name} is missing (${present()})`);
  }
  if (opts.requireTokenizer && !files['tokenizer.json']) {
    throw new Error(`${dir}: tokenizer.json is missing, so text cannot be encoded for this model (${present()})`);
  }
  const config = parseConfig(readJson(files['config.json']!), labelOf(dir, files['config.json']!));
  const ckpt: Checkpoint = { config, weights: loadSafetensors(files['model.safetensors']!).tensors };
  if (files['tokenizer.json']) {
    ckpt.tokenizer = readJson(files['tokenizer.json']) as TokenizerJson;
    checkTokenizer(ckpt.tokenizer, config, labelOf(dir, files['tokenizer.json']));
  }
  if (files['trainer_state.json']) ckpt.trainerState = readJson(files['trainer_state.json']);
  if (files['optimizer.safetensors']) ckpt.optimizer = loadSafetensors(files['optimizer.safetensors']).tensors;
  return ckpt;
}

function labelOf(dir: string, file: string): string {
  return path.join(dir, path.basename(file));
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: invalid JSON (${(err as Error).message})`);
  }
}

/** A valid tokenizer whose ids all have an embedding row (HF may pad vocab_size upwards). */
function checkTokenizer(json: TokenizerJson, config: ModelConfig, label: string): void {
  const tok = tokenizerFromJSON(json, label);
  if (tok.vocabSize > config.vocab_size) {
    throw new Error(`${label}: ${tok.vocabSize} tokens, but config.json vocab_size is ${config.vocab_size}`);
  }
}
