// Checks of a weights file against its config.json, made before anything is allocated (from the
// safetensors header alone), and of the weights' values once read. A crafted config.json must not
// make the loader build 10^6 layers or ask for a 10^30-wide array: every size the config implies
// is the size of a tensor in the file, so it can be no larger than the file.

import os from 'node:os';
import { expectedWeights, ignoredWeights } from '../models/weight_shapes.js';
import type { ModelConfig } from '../models/config.js';
import type { NamedTensor } from './safetensors_codec.js';

const shapeStr = (s: readonly number[]) => `[${s.join(', ')}]`;
const LAYER = /(?:^|\.)layers\.(\d+)\./;

/**
 * Every tensor the config describes is in the file with its shape, and the file holds no other
 * (a tied head it may hold is ignored, as transformers does). Returns the parameter count.
 */
export function checkWeightsFitConfig(
  config: ModelConfig,
  tensors: ReadonlyMap<string, { shape: readonly number[]; file?: string }>,
  modelLabel: string,
  configLabel: string,
): number {
  // Layers first, from the names alone: the expected list is as long as the layer count.
  const layers = new Set<number>();
  for (const name of tensors.keys()) {
    const m = LAYER.exec(name);
    if (m) layers.add(Number(m[1]));
  }
  if (config.num_hidden_layers !== layers.size) {
    throw new Error(`${configLabel}: num_hidden_layers is ${config.num_hidden_layers}, but ${modelLabel} holds ${layers.size} layer${layers.size === 1 ? '' : 's'}`);
  }
  const expected = expectedWeights(config);
  let parameters = 0;
  for (const [name, e] of expected) {
    const t = tensors.get(name);
    if (!t) {
      const why = e.because ? ` (${e.because} is ${JSON.stringify(keyValue(config, e.because)) ?? 'absent, its default'})` : '';
      throw new Error(`${modelLabel}: tensor ${name} is missing; ${configLabel} describes a model with it${why}`);
    }
    if (shapeStr(t.shape) !== shapeStr(e.shape)) {
      const keys = [...new Set(e.keys.filter((k, i) => k !== '' && t.shape[i] !== e.shape[i]))];
      const which = keys.length > 0 ? ` (${keys.join(', ')})` : '';
      throw new Error(`${t.file ?? modelLabel}: tensor ${name} has shape ${shapeStr(t.shape)}, ${configLabel} expects ${shapeStr(e.shape)}${which}`);
    }
    parameters += e.shape.reduce((a, b) => a * b, 1);
  }
  const ignored = ignoredWeights(config);
  const extra = [...tensors.keys()].filter((n) => !expected.has(n) && !ignored.includes(n));
  if (extra.length > 0) {
    const more = extra.length > 3 ? ` and ${extra.length - 3} more` : '';
    const where = tensors.get(extra[0])!.file ?? modelLabel;
    throw new Error(`${where}: tensor${extra.length === 1 ? '' : 's'} ${extra.slice(0, 3).join(', ')}${more} not part of the model ${configLabel} describes`);
  }
  return parameters;
}

/**
 * Refuses, before allocating, a load this machine cannot hold: by default the model and the
 * weights as read, two f32 copies of every parameter; a streamed load says its own bytes.
 */
export function checkMemory(parameters: number, label: string, bytesPerParameter = 8): void {
  const needed = bytesPerParameter * parameters;
  const total = os.totalmem();
  if (needed > total) {
    const gib = (b: number) => (b / 2 ** 30).toFixed(1);
    throw new Error(`${label}: ${parameters.toLocaleString('en-US')} parameters need ${gib(needed)} GiB to load, more than this machine's ${gib(total)} GiB`);
  }
}

/** Refuses weights holding NaN or ±Inf (a diverged run's, a damaged file's), naming the tensor. */
export function checkFinite(tensors: ReadonlyMap<string, NamedTensor>, label: string): void {
  for (const [name, t] of tensors) {
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      if (Number.isFinite(d[i])) continue;
      let count = 0;
      for (let j = i; j < d.length; j++) if (!Number.isFinite(d[j])) count++;
      throw new Error(
        `${label}: tensor ${name} holds ${count} non-finite value${count === 1 ? '' : 's'} (the first, ${d[i]}, at index ${i} of ${d.length}); ` +
          'the weights are unusable (a diverged run or a damaged file)',
      );
    }
  }
}

function keyValue(config: ModelConfig, key: string): unknown {
  const [a, b] = key.split('.');
  const v = (config as unknown as Record<string, unknown>)[a];
  return b === undefined ? v : (v as Record<string, unknown> | undefined)?.[b];
}
