// Model folders as the Hugging Face Hub has them (issue 19, item 1), written here with the real
// names and dtypes at small sizes: one model.safetensors or model-0000k-of-0000n.safetensors shards
// listed by model.safetensors.index.json, F32 / F16 / BF16 tensors, mamba_ssm's
// `backbone.embedding.weight` spelling; and every damaged index named by file and tensor.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadModelFolder } from '../../src/io/model_folder.js';
import { modelConfig, type MambaConfig } from '../../src/models/config.js';
import { createModel } from '../../src/models/create.js';
import { ByteTokenizer } from '../../src/data/tokenizer.js';
import { assertGenerates } from '../helpers.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mamba-ts-hub-folder-'));
test.after(() => fs.rmSync(root, { recursive: true, force: true }));

type Dtype = 'F32' | 'F16' | 'BF16';
type Tensors = Array<[string, { shape: number[]; data: Float32Array }]>;

/**
 * Rounds to a value exact in both 16-bit formats: 8 significant bits (bf16's), and zero below
 * f16's smallest normal 2^-14, so every dtype holds the same numbers and the logits must match
 * bit for bit.
 */
function exact16(x: number): number {
  if (Math.abs(x) < 2 ** -14) return 0;
  const e = Math.floor(Math.log2(Math.abs(x)));
  return Math.round(x / 2 ** (e - 7)) * 2 ** (e - 7);
}

/** binary16 bits of a value exact in f16 (see exact16). */
function toHalf(x: number): number {
  if (x === 0) return 0;
  const sign = x < 0 ? 0x8000 : 0;
  const e = Math.floor(Math.log2(Math.abs(x)));
  return sign | ((e + 15) << 10) | Math.round((Math.abs(x) / 2 ** e - 1) * 1024);
}

/** A safetensors file as transformers writes it (its own writer: ours only writes F32). */
function encode(tensors: Tensors, dtype: Dtype): Buffer {
  const size = dtype === 'F32' ? 4 : 2;
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + t.data.length * size] };
    offset += t.data.length * size;
  }
  const json = Buffer.from(JSON.stringify(header));
  const data = Buffer.alloc(offset);
  let pos = 0;
  for (const [, t] of tensors) {
    for (const x of t.data) {
      if (dtype === 'F32') data.writeFloatLE(x, pos);
      else if (dtype === 'BF16') data.writeUInt16LE(new Uint32Array(new Float32Array([x]).buffer)[0] >>> 16, pos);
      else data.writeUInt16LE(toHalf(x), pos);
      pos += size;
    }
  }
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

/** config.json with the keys state-spaces/mamba-*-hf ship (no `mixer`: it is ours). */
function hubConfig(c: MambaConfig): Record<string, unknown> {
  return {
    architectures: ['MambaForCausalLM'], bos_token_id: 0, conv_kernel: c.conv_kernel, eos_token_id: 0, expand: c.expand, hidden_act: 'silu',
    hidden_size: c.hidden_size, initializer_range: 0.1, intermediate_size: c.intermediate_size, layer_norm_epsilon: 1e-5, model_type: 'mamba',
    num_hidden_layers: c.num_hidden_layers, pad_token_id: 0, rescale_prenorm_residual: false, residual_in_fp32: true, state_size: c.state_size,
    time_step_rank: c.time_step_rank, use_bias: false, use_conv_bias: true, vocab_size: c.vocab_size, tie_word_embeddings: c.tie_word_embeddings,
    torch_dtype: 'float32', transformers_version: '4.39.0.dev0',
  };
}

const shardName = (k: number, n: number) => `model-${String(k).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors`;

/** Writes a Hub folder: `shards` 0 for a single model.safetensors; returns the shard names → tensors. */
function writeFolder(dir: string, config: MambaConfig, tensors: Tensors, dtype: Dtype, shards: number): Map<string, Tensors> {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(hubConfig(config), null, 2));
  if (shards === 0) {
    fs.writeFileSync(path.join(dir, 'model.safetensors'), encode(tensors, dtype));
    return new Map([['model.safetensors', tensors]]);
  }
  const parts = new Map<string, Tensors>();
  const per = Math.ceil(tensors.length / shards);
  for (let k = 0; k < shards; k++) parts.set(shardName(k + 1, shards), tensors.slice(k * per, (k + 1) * per));
  const weightMap: Record<string, string> = {};
  for (const [shard, ts] of parts) {
    fs.writeFileSync(path.join(dir, shard), encode(ts, dtype));
    for (const [name] of ts) weightMap[name] = shard;
  }
  const index = { metadata: { total_size: tensors.reduce((a, [, t]) => a + t.data.length * 4, 0), format: 'pt' }, weight_map: weightMap };
  fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify(index, null, 2));
  return parts;
}

function hubWeights(config: MambaConfig): Tensors {
  return [...createModel(config, { seed: 4 }).weights()].map(([name, t]) => [name, { shape: t.shape, data: t.data.map(exact16) }]);
}

const ids = Int32Array.from([1, 5, 2, 9, 0, 3]);
const logitsOf = (dir: string) => Array.from(loadModelFolder(dir, { requireTokenizer: false }).model.forward(ids, 1, ids.length).data);

const tied = modelConfig({ vocab_size: 12, hidden_size: 8, num_hidden_layers: 2, state_size: 4 });
const untied = modelConfig({ vocab_size: 12, hidden_size: 8, num_hidden_layers: 2, state_size: 4, tie_word_embeddings: false, intermediate_size: 24 });

test('single and sharded folders in F32, F16 and BF16 load to the same logits, with the mamba_ssm embedding name renamed', () => {
  for (const config of [tied, untied]) {
    const tensors = hubWeights(config);
    const reference = createModel(config);
    reference.loadWeights(new Map(tensors));
    const expected = Array.from(reference.forward(ids, 1, ids.length).data);
    for (const dtype of ['F32', 'F16', 'BF16'] as const) {
      for (const shards of [0, 1, 3]) {
        const dir = path.join(root, `same-${config.tie_word_embeddings}-${dtype}-${shards}`);
        writeFolder(dir, config, tensors, dtype, shards);
        assert.deepEqual(logitsOf(dir), expected, `${dtype}, ${shards} shards`);
      }
    }
    const renamed = tensors.map(([n, t]): Tensors[number] => [n === 'backbone.embeddings.weight' ? 'backbone.embedding.weight' : n, t]);
    const dir = path.join(root, `mamba-ssm-names-${config.tie_word_embeddings}`);
    writeFolder(dir, config, renamed, 'BF16', 2);
    assert.deepEqual(logitsOf(dir), expected);
  }
});

test('intermediate_size in config.json wins over expand × hidden_size and is checked against the tensors', () => {
  const dir = path.join(root, 'intermediate');
  writeFolder(dir, untied, hubWeights(untied), 'F32', 0);
  assert.equal((loadModelFolder(dir, { requireTokenizer: false }).model.config as MambaConfig).intermediate_size, 24);
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...cfg, intermediate_size: 16 }));
  assert.throws(() => loadModelFolder(dir, { requireTokenizer: false }), /model\.safetensors: tensor backbone\.layers\.0\.mixer\.A_log has shape \[24, 4\], .*config\.json expects \[16, 4\] \(intermediate_size\)/);
});

/** A sharded F32 folder of the untied model, damaged by `damage(dir, parts)`; the error its load throws. */
function damagedError(name: string, damage: (dir: string, parts: Map<string, Tensors>) => void): string {
  const dir = path.join(root, name);
  const parts = writeFolder(dir, untied, hubWeights(untied), 'F32', 3);
  damage(dir, parts);
  try {
    loadModelFolder(dir, { requireTokenizer: false });
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail(`${name}: loaded`);
}

const shard2 = shardName(2, 3);

test('a missing shard is named with a tensor it holds', () => {
  const msg = damagedError('missing-shard', (dir) => fs.rmSync(path.join(dir, shard2)));
  assert.match(msg, /model\.safetensors\.index\.json: shard model-00002-of-00003\.safetensors is missing; the index places tensor backbone\.layers\.\d+\.\S+ and \d+ more in it/);
});

test('a tensor in two shards is named with both shards', () => {
  const msg = damagedError('two-shards', (dir, parts) => {
    const [first] = parts.get(shard2)!;
    const one = shardName(1, 3);
    fs.writeFileSync(path.join(dir, one), encode([...parts.get(one)!, first], 'F32'));
  });
  assert.match(msg, /model-00001-of-00003\.safetensors: tensor \S+ is in two shards, model-00001-of-00003\.safetensors and model-00002-of-00003\.safetensors/);
});

test('a tensor the index lists but its shard lacks is named with the shard', () => {
  let dropped = '';
  const msg = damagedError('absent', (dir, parts) => {
    const ts = parts.get(shard2)!;
    dropped = ts[0][0];
    fs.writeFileSync(path.join(dir, shard2), encode(ts.slice(1), 'F32'));
  });
  assert.ok(msg.startsWith(`${path.join(root, 'absent', shard2)}: tensor ${dropped} is missing; `), msg);
  assert.match(msg, /model\.safetensors\.index\.json places it in this shard/);
});

test('a tensor of the wrong shape is named with the shard holding it', () => {
  const msg = damagedError('wrong-shape', (dir, parts) => {
    const ts = parts.get(shard2)!.map(([n, t]): Tensors[number] => (n.endsWith('mixer.D') ? [n, { shape: [t.shape[0] - 1], data: t.data.slice(1) }] : [n, t]));
    assert.ok(ts.some(([n]) => n.endsWith('mixer.D')), 'shard 2 holds a D');
    fs.writeFileSync(path.join(dir, shard2), encode(ts, 'F32'));
  });
  assert.match(msg, /model-00002-of-00003\.safetensors: tensor backbone\.layers\.\d\.mixer\.D has shape \[23\], .*config\.json expects \[24\] \(intermediate_size\)/);
});

test('a missing untied head is named with the index and the config key that asks for it', () => {
  const msg = damagedError('no-head', (dir, parts) => {
    const last = shardName(3, 3);
    fs.writeFileSync(path.join(dir, last), encode(parts.get(last)!.filter(([n]) => n !== 'lm_head.weight'), 'F32'));
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'model.safetensors.index.json'), 'utf8'));
    delete index.weight_map['lm_head.weight'];
    fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify(index));
  });
  assert.match(msg, /model\.safetensors\.index\.json: tensor lm_head\.weight is missing; .*config\.json describes a model with it \(tie_word_embeddings is false\)/);
});

test('an original mamba_ssm folder (pytorch_model.bin) is refused with the conversion script named', () => {
  const dir = path.join(root, 'pickle');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(hubConfig(tied)));
  fs.writeFileSync(path.join(dir, 'pytorch_model.bin'), 'PK');
  assert.throws(() => loadModelFolder(dir, { requireTokenizer: false }), /pytorch_model\.bin .*convert_mamba_ssm_checkpoint_to_pytorch/);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ d_model: 8, n_layer: 2, vocab_size: 12, ssm_cfg: {} }));
  assert.throws(() => loadModelFolder(dir, { requireTokenizer: false }), /original mamba_ssm keys .*convert_mamba_ssm_checkpoint_to_pytorch\.py/);
});

test('mamba-ts generate runs on a sharded BF16 folder as a new user would point it at one', () => {
  const config = modelConfig({ vocab_size: 256, hidden_size: 8, num_hidden_layers: 2, state_size: 4 });
  const dir = path.join(root, 'cli-bf16');
  writeFolder(dir, config, hubWeights(config), 'BF16', 2);
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(new ByteTokenizer().toJSON()));
  assertGenerates(dir);
});
