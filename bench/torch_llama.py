#!/usr/bin/env python3
"""PyTorch counterparts of bench/attention.ts (run by it with /usr/bin/python3; prints JSON).

  attention L H d threads  causal attention forward + backward as transformers' eager Llama
                           computes it (softmax(QKᵀ/√d + mask)·V, the L×L scores materialised:
                           torch 1.13 has no fused scaled_dot_product_attention): median seconds
                           and the peak resident memory above the inputs (ru_maxrss).
  train D H F L B threads  a 4-layer Llama of the same shape (RMSNorm, RoPE, SwiGLU, tied head,
                           vocab 96): forward + backward + AdamW tokens/s.
"""
import json
import resource
import sys
import time

import torch
import torch.nn.functional as F


def peak_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def causal_attention(q, k, v):
    L, d = q.shape[-2], q.shape[-1]
    mask = torch.full((L, L), float("-inf")).triu(1)
    return torch.softmax(q @ k.transpose(-1, -2) / d**0.5 + mask, dim=-1) @ v


def bench_attention(L, H, d, threads):
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(1, H, L, d, generator=g, requires_grad=True) for _ in range(3))
    w = torch.randn(1, H, L, d, generator=g)
    base = peak_bytes()

    def run():
        (causal_attention(q, k, v) * w).sum().backward()

    if L <= 2048:  # long calls are timed once, without a warm-up
        run()
    samples = []
    repeats = 3 if L <= 2048 else 1
    for _ in range(repeats):
        t = time.perf_counter()
        run()
        samples.append(time.perf_counter() - t)
    samples.sort()
    return {"seconds": samples[len(samples) // 2], "peakBytes": peak_bytes() - base, "torch": torch.__version__}


class Block(torch.nn.Module):
    def __init__(self, D, H, Fd):
        super().__init__()
        self.H, self.d = H, D // H
        self.n1, self.n2 = torch.nn.Parameter(torch.ones(D)), torch.nn.Parameter(torch.ones(D))
        self.qkv = torch.nn.Linear(D, 3 * D, bias=False)
        self.o = torch.nn.Linear(D, D, bias=False)
        self.gate, self.up = torch.nn.Linear(D, Fd, bias=False), torch.nn.Linear(D, Fd, bias=False)
        self.down = torch.nn.Linear(Fd, D, bias=False)

    @staticmethod
    def rms(x, w):
        return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6))

    def forward(self, h, cos, sin, mask):
        B, L, D = h.shape
        q, k, v = self.qkv(self.rms(h, self.n1)).view(B, L, 3, self.H, self.d).permute(2, 0, 3, 1, 4)
        rot = lambda x: torch.cat((-x[..., self.d // 2:], x[..., : self.d // 2]), dim=-1)
        q, k = q * cos + rot(q) * sin, k * cos + rot(k) * sin
        a = torch.softmax(q @ k.transpose(-1, -2) / self.d**0.5 + mask, dim=-1) @ v
        h = h + self.o(a.transpose(1, 2).reshape(B, L, D))
        x = self.rms(h, self.n2)
        return h + self.down(F.silu(self.gate(x)) * self.up(x))


def bench_train(D, H, Fd, L, B, threads, V=96, layers=4, steps=4):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    emb = torch.nn.Embedding(V, D)
    blocks = torch.nn.ModuleList([Block(D, H, Fd) for _ in range(layers)])
    norm = torch.nn.Parameter(torch.ones(D))
    params = list(emb.parameters()) + list(blocks.parameters()) + [norm]
    opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.1)
    d = D // H
    inv = 1.0 / (10000 ** (torch.arange(0, d, 2).float() / d))
    ang = torch.arange(L).float()[:, None] * inv[None, :]
    cos, sin = torch.cat((ang, ang), -1).cos(), torch.cat((ang, ang), -1).sin()
    mask = torch.full((L, L), float("-inf")).triu(1)
    x = torch.randint(0, V, (B, L))
    y = torch.randint(0, V, (B, L))

    def step():
        h = emb(x)
        for b in blocks:
            h = b(h, cos, sin, mask)
        logits = Block.rms(h, norm) @ emb.weight.T  # tied head
        loss = F.cross_entropy(logits.view(-1, V), y.view(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()

    step()
    samples = []
    for _ in range(steps):
        t = time.perf_counter()
        step()
        samples.append(B * L / (time.perf_counter() - t))
    samples.sort()
    return {"tokensPerSec": samples[len(samples) // 2], "params": sum(p.numel() for p in params), "torch": torch.__version__}


if __name__ == "__main__":
    kind, args = sys.argv[1], [int(a) for a in sys.argv[2:]]
    print(json.dumps(bench_attention(*args) if kind == "attention" else bench_train(*args)))
