// A Llama folder written by an independent implementation (scripts/golden/llama.py: Hugging
// Face's LlamaForCausalLM forward written out in torch, float64) gives the same logits here.
// The fixture has GQA (4 heads over 2), an explicit head_dim (6 ≠ hidden / heads), an untied
// head, norm weights away from 1 and a small rope_theta (large angles).

import { test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { TransformerLM } from '../../src/models/transformer.js';
import { parseLlamaConfig } from '../../src/models/llama_config.js';
import { loadSafetensors } from '../../src/io/safetensors.js';
import { noGrad } from '../../src/autograd/tape.js';
import { assertClose } from '../helpers.js';

export const GOLDEN_DIR = path.join(process.cwd(), 'test', 'fixtures', 'golden', 'llama-tiny');

test('a tiny Llama from the independent implementation gives its logits (full forward and step by step)', () => {
  const cfg = parseLlamaConfig(JSON.parse(fs.readFileSync(path.join(GOLDEN_DIR, 'config.json'), 'utf8')));
  const model = new TransformerLM(cfg);
  model.loadWeights(loadSafetensors(path.join(GOLDEN_DIR, 'model.safetensors')).tensors);
  const golden = JSON.parse(fs.readFileSync(path.join(GOLDEN_DIR, 'logits.json'), 'utf8')) as { ids: number[][]; logits: number[][][] };
  const [B, L] = [golden.ids.length, golden.ids[0].length];
  const expected = golden.logits.flat(2);
  // f32 here against f64 there, logits up to ~5: 1e-4 absolute.
  const logits = noGrad(() => model.forward(Int32Array.from(golden.ids.flat()), B, L));
  assertClose(logits.data, expected, 1e-4, 1e-4, 'forward logits');
  const cache = model.initState(B);
  const V = cfg.vocab_size;
  for (let t = 0; t < L; t++) {
    const step = model.step(Int32Array.from(golden.ids, (seq) => seq[t]), cache);
    const want = Float32Array.from({ length: B * V }, (_, i) => expected[(Math.floor(i / V) * L + t) * V + (i % V)]);
    assertClose(step.data, want, 1e-4, 1e-4, `step ${t}`);
  }
});
