// A conversation's state on disk: a safetensors file with one tensor per per-sequence state
// array (`layers.{i}.{name}`, shape [row]; a KV cache's `layers.{i}.k` and `.v` hold its tokens) and the logits after the last token (`logits`, [V]);
// its token ids go in the metadata (`ids`, JSON), so a restored state is found again by the same
// prefix lookup as any cached one.

import { loadSafetensors, saveSafetensors, type NamedTensor } from '../io/safetensors.js';
import type { StateRows } from './batch_state.js';
import type { ServeState } from './step_model.js';
import type { CacheEntry } from './state_cache.js';

export function saveState(file: string, layout: StateRows<ServeState>, entry: Pick<CacheEntry, 'ids' | 'state' | 'logits'>): void {
  const tensors = new Map<string, NamedTensor>();
  layout.names().forEach((name, j) => tensors.set(name, { shape: [entry.state[j].length], data: entry.state[j] }));
  tensors.set('logits', { shape: [entry.logits.length], data: entry.logits });
  saveSafetensors(file, tensors, { format: 'mamba-ts-state', ids: JSON.stringify(Array.from(entry.ids)) });
}

export function loadState(file: string, layout: StateRows<ServeState>, vocabSize: number): Pick<CacheEntry, 'ids' | 'state' | 'logits'> {
  const { tensors, metadata } = loadSafetensors(file);
  if (metadata.format !== 'mamba-ts-state') throw new Error(`${file}: not a mamba-ts state file (metadata format ${JSON.stringify(metadata.format)})`);
  const names = layout.names();
  const missing = names.find((name) => !tensors.has(name));
  if (missing) throw new Error(`${file}: tensor ${missing} is missing (this model's state has ${names.join(', ')})`);
  const state = names.map((name) => tensors.get(name)!.data);
  const wrong = layout.check(state);
  if (wrong) throw new Error(`${file}: ${wrong}`);
  const logits = tensors.get('logits');
  if (!logits || logits.data.length !== vocabSize) throw new Error(`${file}: logits must have ${vocabSize} floats (the model's vocab_size)`);
  let ids: unknown;
  try {
    ids = JSON.parse(metadata.ids ?? '');
  } catch {
    ids = null;
  }
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => Number.isInteger(id) && id >= 0 && id < vocabSize)) {
    throw new Error(`${file}: metadata "ids" must be a JSON array of token ids below ${vocabSize}`);
  }
  return { ids: Int32Array.from(ids as number[]), state, logits: logits.data };
}
