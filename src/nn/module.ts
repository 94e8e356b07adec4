// Module: a tree of named parameters and child modules, as in PyTorch. Names are the
// dotted paths of the tree (`backbone.layers.0.mixer.in_proj.weight`), which is what
// checkpoints store.

import { Tensor, shapeStr } from '../tensor/tensor.js';
import { kernels } from '../kernels/backend.js';
import { keepGradArray } from '../autograd/tape.js';
import { packedWeight, setPacked } from './packed.js';

export abstract class Module {
  private readonly params = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();
  /** Whether weight decay applies to each parameter (by local name). */
  private readonly decay = new Map<string, boolean>();
  training = true;

  /**
   * Registers a parameter under a local name; returns it for `this.weight = this.param(...)`.
   * Its data moves to where the current backend's kernels read it without copying (wasm memory).
   * Weight decay applies to matrices (rank ≥ 2) and not to vectors (biases, norm weights,
   * per-channel scales), where it would only pull a scale or offset toward 0; `decay` overrides
   * that for a parameter whose meaning decay would harm (Mamba's A_log, for instance).
   * A packed matrix (src/nn/packed.ts) stays where it is and needs no gradient: it is not trained.
   */
  protected param(name: string, t: Tensor, opts: { decay?: boolean } = {}): Tensor {
    this.decay.set(name, opts.decay ?? t.ndim >= 2);
    if (packedWeight(t)) {
      this.params.set(name, t);
      return t;
    }
    t.requiresGrad = true;
    t.data = kernels().residentCopy(t.data);
    keepGradArray(t); // a training step writes this gradient in place, into the same array every step
    this.params.set(name, t);
    return t;
  }

  /** Registers a child module under a local name (a list index is fine: '0', '1', ...). */
  protected child<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  /** Every parameter with its full dotted name, depth first in registration order. */
  namedParameters(prefix = ''): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [n, t] of this.params) out.push([prefix + n, t]);
    for (const [n, m] of this.children) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  /** The parameters weight decay applies to (see param). */
  decayedParameters(): Set<Tensor> {
    const out = new Set<Tensor>();
    for (const [n, t] of this.params) if (this.decay.get(n)) out.add(t);
    for (const m of this.children.values()) for (const t of m.decayedParameters()) out.add(t);
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  parameterCount(): number {
    return this.parameters().reduce((s, t) => s + t.size, 0);
  }

  zeroGrad(): void {
    for (const t of this.parameters()) t.grad = null;
  }

  train(on = true): this {
    this.training = on;
    for (const m of this.children.values()) m.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  stateDict(): Map<string, Tensor> {
    return new Map(this.namedParameters());
  }

  /**
   * Copies tensors into the parameters by name, checking shapes. With strict (default) a
   * missing or unexpected name is an error; `ignore` lists names that may be present and are skipped.
   */
  loadStateDict(dict: Map<string, { shape: readonly number[]; data: Float32Array }>, opts: { strict?: boolean; ignore?: string[] } = {}): void {
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    for (const [name, t] of own) {
      const src = dict.get(name);
      if (!src) {
        if (strict) throw new Error(`loadStateDict: missing tensor ${name} (expected shape ${shapeStr(t.shape)})`);
        continue;
      }
      if (shapeStr(src.shape) !== shapeStr(t.shape)) {
        throw new Error(`loadStateDict: tensor ${name} has shape ${shapeStr(src.shape)}, the model expects ${shapeStr(t.shape)}`);
      }
      if (packedWeight(t)) setPacked(t, src.data, name);
      else t.data.set(src.data);
    }
    if (strict) {
      const extra = [...dict.keys()].filter((k) => !own.has(k) && !(opts.ignore ?? []).includes(k));
      if (extra.length > 0) throw new Error(`loadStateDict: unexpected tensors: ${extra.join(', ')}`);
    }
  }
}
