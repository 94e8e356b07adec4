#!/usr/bin/env python3
"""Golden fixtures for the tests, computed by an implementation independent of mamba-ts.

Writes test/fixtures/golden/:
  mamba-tiny/config.json, mamba-tiny/model.safetensors   a tiny MambaForCausalLM (HF layout, seeded weights)
  mamba-tiny.json                                       its logits for a token sequence
  lru.json                                              a tiny LRU layer's weights, inputs and outputs

Only python3 and numpy; every formula is written here from the papers and the Hugging Face
MambaForCausalLM (slow path), in float64, and never calls mamba-ts:
  Mamba (Gu & Dao 2023, Alg. 2): x, z = in_proj(RMSNorm(h)); x = SiLU(causal depthwise conv(x));
    [dt_low | B | C] = x_proj(x); Δ = softplus(dt_proj(dt_low) + dt_proj.bias); A = −exp(A_log);
    h_t = exp(Δ_t A) ⊙ h_{t−1} + Δ_t B_t x_t;  y_t = C_t · h_t + D ⊙ x_t;  out = out_proj(y ⊙ SiLU(z)),
    around each block a residual, then norm_f and the head (tied to the embedding).
  LRU (Orvieto et al. 2023): λ = exp(−exp(ν) + i exp(θ)), γ = exp(γ_log);
    h_t = λ ⊙ h_{t−1} + γ ⊙ (B u_t), B = B_re + i B_im;  y_t = Re(C h_t) + D ⊙ u_t, C = C_re + i C_im;
    out = GLU(GELU(y)), GLU(v) = out1(v) ⊙ σ(out2(v)), GELU exact (x Φ(x)).

Run from the repository root: python3 scripts/golden/make_golden.py
"""
import json
import math
import os
import struct

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'golden')


def f32(a):
    """Weights are stored in f32: compute with exactly the values the file holds."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def write_safetensors(path, tensors):
    header = {'__metadata__': {'format': 'pt'}}
    offset = 0
    blobs = []
    for name, arr in tensors.items():
        data = np.ascontiguousarray(arr, dtype='<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(arr.shape), 'data_offsets': [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    h = json.dumps(header, separators=(',', ':')).encode('utf-8')
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def silu(x):
    return x / (1.0 + np.exp(-x))


def softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0.0)


def rms_norm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rounded(a, digits=9):
    return [float(f'{v:.{digits}g}') for v in np.asarray(a, dtype=np.float64).ravel()]


# ---------------------------------------------------------------- Mamba

def make_mamba(rng):
    V, D, n_layers, N, K, expand = 11, 8, 2, 4, 4, 2
    E, R = expand * D, math.ceil(D / 16)
    config = {
        'architectures': ['MambaForCausalLM'], 'model_type': 'mamba',
        'vocab_size': V, 'hidden_size': D, 'state_size': N, 'num_hidden_layers': n_layers,
        'intermediate_size': E, 'conv_kernel': K, 'time_step_rank': R, 'expand': expand,
        'layer_norm_epsilon': 1e-5, 'use_bias': False, 'use_conv_bias': True, 'tie_word_embeddings': True,
    }
    u = lambda shape, bound: rng.uniform(-bound, bound, size=shape)
    w = {'backbone.embeddings.weight': rng.normal(0, 1, size=(V, D))}
    for i in range(n_layers):
        p = f'backbone.layers.{i}.'
        w[p + 'norm.weight'] = 1 + 0.2 * rng.normal(size=D)
        w[p + 'mixer.in_proj.weight'] = u((2 * E, D), 1 / math.sqrt(D))
        w[p + 'mixer.conv1d.weight'] = u((E, 1, K), 1 / math.sqrt(K))
        w[p + 'mixer.conv1d.bias'] = u(E, 1 / math.sqrt(K))
        w[p + 'mixer.x_proj.weight'] = u((R + 2 * N, E), 1 / math.sqrt(E))
        w[p + 'mixer.dt_proj.weight'] = u((E, R), 1 / math.sqrt(R))
        dt = np.exp(rng.uniform(math.log(1e-3), math.log(1e-1), size=E)) * 5  # Δ large enough that the state matters
        w[p + 'mixer.dt_proj.bias'] = dt + np.log(-np.expm1(-dt))
        w[p + 'mixer.A_log'] = np.log(np.tile(np.arange(1, N + 1, dtype=np.float64), (E, 1))) + 0.3 * rng.normal(size=(E, N))
        w[p + 'mixer.D'] = 1 + 0.5 * rng.normal(size=E)
        w[p + 'mixer.out_proj.weight'] = u((D, E), 1 / math.sqrt(E))
    w['backbone.norm_f.weight'] = 1 + 0.2 * rng.normal(size=D)
    w = {k: np.asarray(v, dtype=np.float32) for k, v in w.items()}
    return config, w


def mamba_mixer(x, w, p, cfg):
    """x: [L, D] → [L, D] for one sequence (HF MambaMixer.slow_forward)."""
    E, N, K, R = cfg['intermediate_size'], cfg['state_size'], cfg['conv_kernel'], cfg['time_step_rank']
    L = x.shape[0]
    xz = x @ f32(w[p + 'in_proj.weight']).T  # [L, 2E]
    xi, z = xz[:, :E], xz[:, E:]
    conv_w = f32(w[p + 'conv1d.weight'])[:, 0, :]  # [E, K]
    padded = np.concatenate([np.zeros((K - 1, E)), xi], axis=0)  # causal: K − 1 zeros before
    xc = np.stack([(padded[t:t + K] * conv_w.T).sum(axis=0) for t in range(L)]) + f32(w[p + 'conv1d.bias'])
    xc = silu(xc)
    xdbl = xc @ f32(w[p + 'x_proj.weight']).T  # [L, R + 2N]
    dt_low, Bm, C = xdbl[:, :R], xdbl[:, R:R + N], xdbl[:, R + N:]
    delta = softplus(dt_low @ f32(w[p + 'dt_proj.weight']).T + f32(w[p + 'dt_proj.bias']))  # [L, E]
    A = -np.exp(f32(w[p + 'A_log']))  # [E, N]
    h = np.zeros((E, N))
    y = np.zeros((L, E))
    for t in range(L):
        h = np.exp(delta[t][:, None] * A) * h + (delta[t] * xc[t])[:, None] * Bm[t][None, :]
        y[t] = h @ C[t] + f32(w[p + 'D']) * xc[t]
    return (y * silu(z)) @ f32(w[p + 'out_proj.weight']).T


def mamba_logits(ids, w, cfg):
    eps = cfg['layer_norm_epsilon']
    h = f32(w['backbone.embeddings.weight'])[ids]  # [L, D]
    for i in range(cfg['num_hidden_layers']):
        p = f'backbone.layers.{i}.'
        h = h + mamba_mixer(rms_norm(h, f32(w[p + 'norm.weight']), eps), w, p + 'mixer.', cfg)
    return rms_norm(h, f32(w['backbone.norm_f.weight']), eps) @ f32(w['backbone.embeddings.weight']).T  # [L, V]


# ---------------------------------------------------------------- LRU

def gelu(x):
    return x * 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def make_lru(rng):
    D, N, batch, L = 4, 3, 2, 7
    r = np.sqrt(rng.uniform(0.6 ** 2, 0.95 ** 2, size=N))  # |λ|, ring
    phase = rng.uniform(0.1, math.pi, size=N)
    w = {
        'nu_log': np.log(-np.log(r)),
        'theta_log': np.log(phase),
        'gamma_log': 0.5 * np.log(1 - r ** 2) + 0.1 * rng.normal(size=N),
        'B_re': rng.normal(0, 1 / math.sqrt(2 * D), size=(N, D)),
        'B_im': rng.normal(0, 1 / math.sqrt(2 * D), size=(N, D)),
        'C_re': rng.normal(0, 1 / math.sqrt(N), size=(D, N)),
        'C_im': rng.normal(0, 1 / math.sqrt(N), size=(D, N)),
        'D': rng.normal(0, 1, size=D),
        'glu.out1.weight': rng.uniform(-0.5, 0.5, size=(D, D)),
        'glu.out1.bias': rng.uniform(-0.5, 0.5, size=D),
        'glu.out2.weight': rng.uniform(-0.5, 0.5, size=(D, D)),
        'glu.out2.bias': rng.uniform(-0.5, 0.5, size=D),
    }
    w = {k: np.asarray(v, dtype=np.float32) for k, v in w.items()}
    u = np.asarray(rng.normal(size=(batch, L, D)), dtype=np.float32)
    return w, u


def lru_forward(u, w):
    """u: [batch, L, D] → [batch, L, D], in complex128."""
    lam = np.exp(-np.exp(f32(w['nu_log'])) + 1j * np.exp(f32(w['theta_log'])))  # [N]
    gamma = np.exp(f32(w['gamma_log']))
    Bc = f32(w['B_re']) + 1j * f32(w['B_im'])  # [N, D]
    Cc = f32(w['C_re']) + 1j * f32(w['C_im'])  # [D, N]
    out = np.zeros(u.shape)
    for b in range(u.shape[0]):
        h = np.zeros(lam.shape, dtype=np.complex128)
        for t in range(u.shape[1]):
            ut = f32(u[b, t])
            h = lam * h + gamma * (Bc @ ut)
            y = (Cc @ h).real + f32(w['D']) * ut
            v = gelu(y)
            g1 = v @ f32(w['glu.out1.weight']).T + f32(w['glu.out1.bias'])
            g2 = v @ f32(w['glu.out2.weight']).T + f32(w['glu.out2.bias'])
            out[b, t] = g1 / (1 + np.exp(-g2))
    return out


def main():
    rng = np.random.RandomState(20231201)
    cfg, w = make_mamba(rng)
    folder = os.path.join(OUT, 'mamba-tiny')
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, 'config.json'), 'w') as f:
        json.dump(cfg, f, indent=2)
        f.write('\n')
    write_safetensors(os.path.join(folder, 'model.safetensors'), w)
    ids = [1, 5, 2, 9, 0, 3, 7, 10, 4, 6, 8, 2, 2, 5]
    logits = mamba_logits(np.array(ids), w, cfg)
    with open(os.path.join(OUT, 'mamba-tiny.json'), 'w') as f:
        json.dump({
            'what': 'logits [L, V] of mamba-tiny/ for ids, float64 from scripts/golden/make_golden.py (numpy)',
            'ids': ids, 'shape': list(logits.shape), 'logits': rounded(logits),
        }, f)
        f.write('\n')

    lw, u = make_lru(rng)
    out = lru_forward(u, lw)
    with open(os.path.join(OUT, 'lru.json'), 'w') as f:
        json.dump({
            'what': 'an LRU layer (complex, γ-normalised, GELU + GLU after it): outputs [batch, L, D] for inputs u, float64 from scripts/golden/make_golden.py (numpy)',
            'hidden_size': int(u.shape[2]), 'state_size': int(lw['nu_log'].shape[0]),
            'weights': {k: {'shape': list(v.shape), 'data': [float(x) for x in v.ravel()]} for k, v in lw.items()},
            'u': {'shape': list(u.shape), 'data': [float(x) for x in u.ravel()]},
            'out': {'shape': list(out.shape), 'data': rounded(out)},
        }, f)
        f.write('\n')
    print(f'wrote {OUT}: mamba logits range [{logits.min():.3f}, {logits.max():.3f}], lru outputs range [{out.min():.3f}, {out.max():.3f}]')


if __name__ == '__main__':
    main()
