#!/usr/bin/env python3
"""Golden fixture for Mamba-2: an independent implementation of Hugging Face's Mamba2ForCausalLM
forward (transformers' modeling_mamba2.py torch path, and mamba_ssm's ssd_minimal.py for the SSD,
written out here in torch, in float64) run on a tiny random model, writing a Mamba-2 folder
(config.json + model.safetensors, metadata format "pt") and the logits it computes for fixed ids.

    /usr/bin/python3 scripts/golden/mamba2.py test/fixtures/golden/mamba2-tiny

The gated RMSNorm normalises within each group of I / n_groups channels, as mamba_ssm's kernels,
llama.cpp and vLLM do (transformers' torch path normalises all of I: an open bug, PR #40861); the
fixture has 2 groups, so the two differ. Delta is clamped to time_step_limit after the softplus;
config.json holds `[0.05, Infinity]` as Python's json writes it (not valid JSON: a loader must
cope). The chunked SSD is checked here against the plain recurrence before anything is written.

Needs only torch and numpy (the safetensors file is written by llama.py's hand-written writer).
"""
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

from llama import write_safetensors  # scripts/golden/llama.py: the file format, written by hand

CONFIG = {
    "architectures": ["Mamba2ForCausalLM"],
    "model_type": "mamba2",
    "vocab_size": 13,
    "hidden_size": 16,
    "expand": 2,  # inner width I = 32 = num_heads * head_dim
    "num_heads": 4,
    "head_dim": 8,
    "n_groups": 2,  # heads 0, 1 read group 0; heads 2, 3 group 1
    "state_size": 5,
    "conv_kernel": 4,
    "chunk_size": 4,  # L = 11: two whole chunks and a short one
    "num_hidden_layers": 2,
    "layer_norm_epsilon": 1e-5,
    "use_bias": True,
    "use_conv_bias": True,
    "time_step_limit": [0.05, float("inf")],
    "tie_word_embeddings": False,
    "hidden_act": "silu",
    "norm_before_gate": False,
    "rms_norm": True,
    "residual_in_fp32": True,
}
IDS = [[1, 5, 12, 0, 7, 7, 3, 9, 2, 11, 4], [6, 6, 0, 1, 2, 3, 4, 5, 12, 8, 10]]


def sizes(c):
    I = c["expand"] * c["hidden_size"]
    G, N, H = c["n_groups"], c["state_size"], c["num_heads"]
    return I, I + 2 * G * N, H


def weights(c, rng):
    D, V, K = c["hidden_size"], c["vocab_size"], c["conv_kernel"]
    I, conv_dim, H = sizes(c)
    w = {"backbone.embeddings.weight": rng.normal(0, 0.5, (V, D))}
    for i in range(c["num_hidden_layers"]):
        p = f"backbone.layers.{i}."
        w[p + "norm.weight"] = 1 + rng.normal(0, 0.3, (D,))
        w[p + "mixer.in_proj.weight"] = rng.normal(0, 0.4, (I + conv_dim + H, D))
        w[p + "mixer.in_proj.bias"] = rng.normal(0, 0.2, (I + conv_dim + H,))
        w[p + "mixer.conv1d.weight"] = rng.normal(0, 0.5, (conv_dim, 1, K))
        w[p + "mixer.conv1d.bias"] = rng.normal(0, 0.2, (conv_dim,))
        w[p + "mixer.dt_bias"] = rng.normal(-1, 0.8, (H,))  # some Δ below 0.05: the clamp acts
        w[p + "mixer.A_log"] = np.log(rng.uniform(1, 16, (H,)))
        w[p + "mixer.D"] = rng.normal(1, 0.3, (H,))
        w[p + "mixer.norm.weight"] = 1 + rng.normal(0, 0.3, (I,))
        w[p + "mixer.out_proj.weight"] = rng.normal(0, 0.3, (D, I))
        w[p + "mixer.out_proj.bias"] = rng.normal(0, 0.2, (D,))
    w["backbone.norm_f.weight"] = 1 + rng.normal(0, 0.3, (D,))
    w["lm_head.weight"] = rng.normal(0, 0.5, (V, D))
    # Stored as f32: the reference computes from exactly the stored values.
    return {k: torch.tensor(v.astype(np.float32), dtype=torch.float64) for k, v in w.items()}


def segsum(a):
    """a [..., T] -> [..., T, T]: out[i, j] = a[j+1] + ... + a[i] for j <= i, -inf above the diagonal."""
    T = a.shape[-1]
    rep = a[..., None, :].expand(*a.shape, T).transpose(-1, -2)  # rep[..., i, j] = a[i]
    below = torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=-1)
    sums = torch.cumsum(rep.masked_fill(~below, 0), dim=-2)
    return sums.masked_fill(~torch.tril(torch.ones(T, T, dtype=torch.bool)), float("-inf"))


def ssd_chunked(x, dA, B, C, T):
    """x [b, l, h, p] (already times Δ), dA [b, l, h] (Δ·A), B, C [b, l, h, n] -> y [b, l, h, p]."""
    b, l, h, p = x.shape
    pad = -l % T  # zeros at the end change nothing before them
    x, B, C = (F.pad(t, (0, 0, 0, 0, 0, pad)) for t in (x, B, C))
    dA = F.pad(dA, (0, 0, 0, pad))
    c = (l + pad) // T
    x, B, C = (t.reshape(b, c, T, h, -1) for t in (x, B, C))
    dA = dA.reshape(b, c, T, h).permute(0, 3, 1, 2)  # [b, h, c, T]
    cum = torch.cumsum(dA, dim=-1)
    # (1) within each chunk: a masked, attention-like product with exp(segsum).
    y_diag = torch.einsum("bclhn,bcshn,bhcls,bcshp->bclhp", C, B, torch.exp(segsum(dA)), x)
    # (2) each chunk's state from its own inputs.
    decay = torch.exp(cum[..., -1:] - cum)
    states = torch.einsum("bclhn,bhcl,bclhp->bchpn", B, decay, x)
    # (3) the recurrence over chunks (from a zero state).
    states = torch.cat([torch.zeros_like(states[:, :1]), states], dim=1)
    chunk_decay = torch.exp(segsum(F.pad(cum[..., -1], (1, 0))))
    states = torch.einsum("bhzc,bchpn->bzhpn", chunk_decay, states)[:, :-1]
    # (4) the state entering each chunk to its outputs.
    y_off = torch.einsum("bclhn,bchpn,bhcl->bclhp", C, states, torch.exp(cum))
    return (y_diag + y_off).reshape(b, c * T, h, p)[:, :l]


def ssd_recurrent(x, dA, B, C):
    b, l, h, p = x.shape
    S = torch.zeros(b, h, p, B.shape[-1], dtype=x.dtype)
    ys = []
    for t in range(l):
        S = torch.exp(dA[:, t])[..., None, None] * S + x[:, t, :, :, None] * B[:, t, :, None, :]
        ys.append(torch.einsum("bhpn,bhn->bhp", S, C[:, t]))
    return torch.stack(ys, dim=1)


def mixer(c, w, p, u):
    Bsz, L, _ = u.shape
    I, conv_dim, H = sizes(c)
    G, N, P, K = c["n_groups"], c["state_size"], c["head_dim"], c["conv_kernel"]
    proj = u @ w[p + "in_proj.weight"].T + w[p + "in_proj.bias"]
    z, xBC, dt = torch.split(proj, [I, conv_dim, H], dim=-1)
    xBC = F.conv1d(xBC.transpose(1, 2), w[p + "conv1d.weight"], w[p + "conv1d.bias"], padding=K - 1, groups=conv_dim)[..., :L]
    xBC = F.silu(xBC.transpose(1, 2))
    x, B, C = torch.split(xBC, [I, G * N, G * N], dim=-1)
    lo, hi = c["time_step_limit"]
    dt = torch.clamp(F.softplus(dt + w[p + "dt_bias"]), lo, hi)  # [b, l, H]
    A = -torch.exp(w[p + "A_log"])
    x = x.reshape(Bsz, L, H, P)
    # Head h reads group h // (H / G): repeat_interleave, not tile.
    B = B.reshape(Bsz, L, G, N).repeat_interleave(H // G, dim=2)
    C = C.reshape(Bsz, L, G, N).repeat_interleave(H // G, dim=2)
    y = ssd_chunked(x * dt[..., None], dt * A, B, C, c["chunk_size"])
    ref = ssd_recurrent(x * dt[..., None], dt * A, B, C)
    assert torch.allclose(y, ref, atol=1e-10, rtol=1e-10), (y - ref).abs().max()
    y = (y + w[p + "D"][:, None] * x).reshape(Bsz, L, I)
    g = (y * F.silu(z)).reshape(Bsz, L, G, I // G)
    g = g * torch.rsqrt(g.pow(2).mean(-1, keepdim=True) + c["layer_norm_epsilon"])
    g = g.reshape(Bsz, L, I) * w[p + "norm.weight"]
    return g @ w[p + "out_proj.weight"].T + w[p + "out_proj.bias"]


def rms_norm(x, weight, eps):
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def forward(c, w, ids):
    h = w["backbone.embeddings.weight"][ids]
    eps = c["layer_norm_epsilon"]
    for i in range(c["num_hidden_layers"]):
        p = f"backbone.layers.{i}."
        h = h + mixer(c, w, p + "mixer.", rms_norm(h, w[p + "norm.weight"], eps))
    return rms_norm(h, w["backbone.norm_f.weight"], eps) @ w["lm_head.weight"].T


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "test/fixtures/golden/mamba2-tiny"
    os.makedirs(out, exist_ok=True)
    w = weights(CONFIG, np.random.default_rng(20261206))
    logits = forward(CONFIG, w, torch.tensor(IDS))
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)  # time_step_limit: [0.05, Infinity], as transformers 4 saves it
        f.write("\n")
    write_safetensors(os.path.join(out, "model.safetensors"), w)
    with open(os.path.join(out, "logits.json"), "w") as f:
        json.dump({"ids": IDS, "logits": [[[round(x, 7) for x in row] for row in seq] for seq in logits.tolist()]}, f)
        f.write("\n")
    print(f"wrote {out}: logits {list(logits.shape)}, |logits| max {logits.abs().max().item():.3f}")


if __name__ == "__main__":
    main()
