// AdamW (Loshchilov & Hutter) as PyTorch's torch.optim.AdamW computes it, per parameter p:
//   p ← p − lr·wd·p                                   (decoupled weight decay, before the update)
//   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²
//   p ← p − lr · (m / (1−β₁ᵗ)) / (sqrt(v / (1−β₂ᵗ)) + eps)
// Parameters without a gradient are skipped (their moments stay as they are). The update is the
// kernel adamwStep: src/kernels/reference/adamw.ts, and assembly/adamw.ts on the wasm backend.

import { Tensor, shapeStr } from '../tensor/tensor.js';
import { Module } from '../nn/module.js';
import { kernels } from '../kernels/backend.js';
import { packedWeight } from '../nn/packed.js';

export interface ParamGroup {
  params: Tensor[];
  /** Overrides the optimiser's weightDecay for this group. */
  weightDecay?: number;
  /** Fixes this group's learning rate; otherwise the global one (setLr) applies. */
  lr?: number;
}

export interface AdamWOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

/** Moments by parameter index (groups concatenated in order) and the step count. */
export interface AdamWState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

export class AdamW {
  readonly groups: ParamGroup[];
  lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  stepCount = 0;
  private readonly params: Tensor[];
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];

  constructor(groups: ParamGroup[] | Tensor[], opts: AdamWOptions = {}) {
    this.groups = groups.length > 0 && groups[0] instanceof Tensor ? [{ params: groups as Tensor[] }] : (groups as ParamGroup[]);
    this.lr = opts.lr ?? 1e-3;
    this.betas = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0.01;
    this.params = this.groups.flatMap((g) => g.params);
    for (const p of this.params) {
      const packed = packedWeight(p);
      if (packed) {
        throw new Error(`AdamW: a parameter ${shapeStr(p.shape)} is kept in ${packed.format} (the model was loaded with weights: '${packed.format}'); training needs the model loaded in f32 (--weights f32)`);
      }
    }
    // Where the backend keeps long-lived arrays (the wasm memory), so that its kernel updates
    // the parameters and both moments in place.
    const k = kernels();
    this.m = this.params.map((p) => k.residentCopy(new Float32Array(p.size)));
    this.v = this.params.map((p) => k.residentCopy(new Float32Array(p.size)));
  }

  /** The learning rate used by every group that does not fix its own (schedules call this). */
  setLr(lr: number): void {
    this.lr = lr;
  }

  step(): void {
    this.stepCount++;
    const [beta1, beta2] = this.betas;
    const c1 = 1 - Math.pow(beta1, this.stepCount);
    const c2 = 1 - Math.pow(beta2, this.stepCount);
    const k = kernels();
    let i = 0;
    for (const group of this.groups) {
      const lr = group.lr ?? this.lr;
      const hyper = { lr, beta1, beta2, eps: this.eps, decay: 1 - lr * (group.weightDecay ?? this.weightDecay), c1, c2 };
      for (const p of group.params) {
        const m = this.m[i];
        const v = this.v[i];
        i++;
        if (p.grad !== null) k.adamwStep(p.data, p.grad, m, v, hyper);
      }
    }
  }

  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  /** Copies of the moments and the step, for exact resume. */
  stateDict(): AdamWState {
    return { step: this.stepCount, m: this.m.map((a) => a.slice()), v: this.v.map((a) => a.slice()) };
  }

  loadStateDict(state: AdamWState): void {
    if (state.m.length !== this.params.length || state.v.length !== this.params.length) {
      throw new Error(`AdamW.loadStateDict: state has ${state.m.length} first and ${state.v.length} second moments, the optimiser has ${this.params.length} parameters`);
    }
    this.params.forEach((p, i) => {
      for (const [kind, src] of [['m', state.m[i]], ['v', state.v[i]]] as const) {
        if (src.length !== p.size) {
          throw new Error(`AdamW.loadStateDict: moment ${kind} of parameter ${i}${p.name ? ` (${p.name})` : ''} has ${src.length} elements, the tensor ${shapeStr(p.shape)} has ${p.size}`);
        }
      }
    });
    this.params.forEach((_, i) => {
      this.m[i].set(state.m[i]);
      this.v[i].set(state.v[i]);
    });
    this.stepCount = state.step;
  }
}

/**
 * Two groups: the parameters the model marks for weight decay (matrices, unless a module opted
 * one out where it made it: see Module.param), and a no-decay group of the rest. Unnamed
 * parameters get their dotted name, so that optimiser errors can name them.
 */
export function paramGroupsForDecay(model: Module, weightDecay: number): ParamGroup[] {
  const decayed = model.decayedParameters();
  const decay: Tensor[] = [];
  const noDecay: Tensor[] = [];
  for (const [name, t] of model.namedParameters()) {
    if (!t.name) t.name = name;
    (decayed.has(t) ? decay : noDecay).push(t);
  }
  return [{ params: decay, weightDecay }, { params: noDecay, weightDecay: 0 }];
}
