#!/usr/bin/env python3
"""Golden fixture for the Transformer++ (Llama) model: an independent implementation of Hugging
Face's LlamaForCausalLM forward (transformers' modeling_llama.py, written out here in torch, in
float64) run on a tiny random model, writing a Llama folder (config.json + model.safetensors,
metadata format "pt") and the logits it computes for fixed token ids.

    /usr/bin/python3 scripts/golden/llama.py test/fixtures/golden/llama-tiny

Needs only torch and numpy (no transformers, no safetensors package: the file format is written
by hand: 8-byte little-endian header length, JSON header, raw little-endian f32 data).
"""
import json
import os
import struct
import sys

import numpy as np
import torch

CONFIG = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "vocab_size": 13,
    "hidden_size": 16,
    "intermediate_size": 24,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,  # GQA: groups of 2
    "head_dim": 6,  # not hidden / heads: exercises the explicit key (q_proj is [24, 16])
    "rms_norm_eps": 1e-6,
    "rope_theta": 500.0,  # small: large angles at the fixture's few positions
    "max_position_embeddings": 64,
    "tie_word_embeddings": False,
    "hidden_act": "silu",
    "attention_bias": False,
    "mlp_bias": False,
}
IDS = [[1, 5, 12, 0, 7, 7, 3, 9, 2, 11, 4], [6, 6, 0, 1, 2, 3, 4, 5, 12, 8, 10]]


def weights(c, rng):
    D, F, V = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    H, Hkv, d = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
    w = {"model.embed_tokens.weight": rng.normal(0, 0.5, (V, D))}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        # Norm weights away from 1, so that a norm applied without its weight shows.
        w[p + "input_layernorm.weight"] = 1 + rng.normal(0, 0.3, (D,))
        w[p + "self_attn.q_proj.weight"] = rng.normal(0, 0.4, (H * d, D))
        w[p + "self_attn.k_proj.weight"] = rng.normal(0, 0.4, (Hkv * d, D))
        w[p + "self_attn.v_proj.weight"] = rng.normal(0, 0.4, (Hkv * d, D))
        w[p + "self_attn.o_proj.weight"] = rng.normal(0, 0.4, (D, H * d))
        w[p + "post_attention_layernorm.weight"] = 1 + rng.normal(0, 0.3, (D,))
        w[p + "mlp.gate_proj.weight"] = rng.normal(0, 0.4, (F, D))
        w[p + "mlp.up_proj.weight"] = rng.normal(0, 0.4, (F, D))
        w[p + "mlp.down_proj.weight"] = rng.normal(0, 0.4, (D, F))
    w["model.norm.weight"] = 1 + rng.normal(0, 0.3, (D,))
    w["lm_head.weight"] = rng.normal(0, 0.5, (V, D))
    # Stored as f32: the reference computes from exactly the stored values.
    return {k: torch.tensor(v.astype(np.float32), dtype=torch.float64) for k, v in w.items()}


def rms_norm(x, weight, eps):
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def forward(c, w, ids):
    B, L = ids.shape
    H, Hkv, d = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
    eps = c["rms_norm_eps"]
    # LlamaRotaryEmbedding (default rope): inv_freq in f32 as transformers computes it.
    inv_freq = 1.0 / (c["rope_theta"] ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
    freqs = torch.arange(L).float()[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos().double(), emb.sin().double()  # [L, d]
    mask = torch.full((L, L), float("-inf"), dtype=torch.float64).triu(1)
    h = w["model.embed_tokens.weight"][ids]  # [B, L, D]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        x = rms_norm(h, w[p + "input_layernorm.weight"], eps)
        q = (x @ w[p + "self_attn.q_proj.weight"].T).view(B, L, H, d).transpose(1, 2)
        k = (x @ w[p + "self_attn.k_proj.weight"].T).view(B, L, Hkv, d).transpose(1, 2)
        v = (x @ w[p + "self_attn.v_proj.weight"].T).view(B, L, Hkv, d).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(H // Hkv, dim=1)  # repeat_kv: head h reads kv head h // g
        v = v.repeat_interleave(H // Hkv, dim=1)
        scores = q @ k.transpose(2, 3) / d**0.5 + mask
        o = torch.softmax(scores, dim=-1) @ v  # [B, H, L, d]
        o = o.transpose(1, 2).reshape(B, L, H * d)
        h = h + o @ w[p + "self_attn.o_proj.weight"].T
        x = rms_norm(h, w[p + "post_attention_layernorm.weight"], eps)
        gate = torch.nn.functional.silu(x @ w[p + "mlp.gate_proj.weight"].T)
        h = h + (gate * (x @ w[p + "mlp.up_proj.weight"].T)) @ w[p + "mlp.down_proj.weight"].T
    h = rms_norm(h, w["model.norm.weight"], eps)
    return h @ w["lm_head.weight"].T  # [B, L, V]


def write_safetensors(path, tensors):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        data = tensors[name].numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "test/fixtures/golden/llama-tiny"
    os.makedirs(out, exist_ok=True)
    w = weights(CONFIG, np.random.default_rng(20261206))
    logits = forward(CONFIG, w, torch.tensor(IDS))
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(out, "model.safetensors"), w)
    with open(os.path.join(out, "logits.json"), "w") as f:
        json.dump({"ids": IDS, "logits": [[[round(x, 7) for x in row] for row in seq] for seq in logits.tolist()]}, f)
        f.write("\n")
    print(f"wrote {out}: logits {list(logits.shape)}, |logits| max {logits.abs().max().item():.3f}")


if __name__ == "__main__":
    main()
