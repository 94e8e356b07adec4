// The Tensor: a shape, contiguous row-major Float32Array data, and an optional gradient.
// No maths lives here beyond trivial bookkeeping; ops (src/ops/) compute, autograd records.

import { Rng, globalRng } from './random.js';

export type Shape = readonly number[];

/** What autograd stores on a tensor produced by a differentiable op. */
export interface GradNode {
  readonly op: string;
  readonly parents: readonly Tensor[];
  /** Receives ∂L/∂out and accumulates into the parents' gradients. */
  readonly backward: (gradOut: Float32Array) => void;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeStr(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

function checkShape(shape: Shape, where: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${where}: invalid shape ${shapeStr(shape)}`);
  }
}

export class Tensor {
  readonly shape: number[];
  data: Float32Array;
  /** ∂L/∂this, same layout as data; null until a backward pass reaches this tensor. */
  grad: Float32Array | null = null;
  requiresGrad: boolean;
  /** Set by autograd on op outputs; null on leaves and after backward() frees the graph. */
  node: GradNode | null = null;
  /** Optional label, used in error messages and by nn.Module for parameters. */
  name = '';

  constructor(data: Float32Array, shape: Shape, requiresGrad = false) {
    checkShape(shape, 'Tensor');
    if (data.length !== sizeOf(shape)) {
      throw new Error(`Tensor: data has ${data.length} elements but shape ${shapeStr(shape)} needs ${sizeOf(shape)}`);
    }
    this.data = data;
    this.shape = [...shape];
    this.requiresGrad = requiresGrad;
  }

  get size(): number {
    return this.data.length;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: tensor of shape ${shapeStr(this.shape)} has ${this.size} elements, expected 1`);
    return this.data[0];
  }

  toArray(): number[] {
    return Array.from(this.data);
  }

  /** A new leaf tensor sharing nothing with this one. */
  clone(requiresGrad = this.requiresGrad): Tensor {
    return new Tensor(this.data.slice(), this.shape, requiresGrad);
  }

  /** The same data as a leaf, cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, false);
  }

  zeroGrad(): void {
    this.grad = null;
  }

  toString(): string {
    return `Tensor(${shapeStr(this.shape)}${this.name ? ` ${this.name}` : ''})`;
  }
}

// ---- creation -------------------------------------------------------------------------------

export interface CreateOptions {
  requiresGrad?: boolean;
}

export function zeros(shape: Shape, opts: CreateOptions = {}): Tensor {
  return new Tensor(new Float32Array(sizeOf(shape)), shape, opts.requiresGrad);
}

export function full(shape: Shape, value: number, opts: CreateOptions = {}): Tensor {
  return new Tensor(new Float32Array(sizeOf(shape)).fill(value), shape, opts.requiresGrad);
}

export function ones(shape: Shape, opts: CreateOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/** From a flat or nested array; the shape is inferred from nesting unless given. */
export function fromArray(values: ArrayLike<number> | NestedArray, shape?: Shape, opts: CreateOptions = {}): Tensor {
  const inferred: number[] = [];
  const flat: number[] = [];
  flatten(values as NestedArray, 0, inferred, flat);
  const finalShape = shape ?? inferred;
  return new Tensor(Float32Array.from(flat), finalShape, opts.requiresGrad);
}

export type NestedArray = number | ArrayLike<number> | NestedArray[];

function flatten(v: NestedArray, depth: number, shape: number[], out: number[]): void {
  if (typeof v === 'number') {
    out.push(v);
    return;
  }
  const len = (v as ArrayLike<unknown>).length;
  if (shape.length === depth) shape.push(len);
  else if (shape[depth] !== len) throw new Error(`fromArray: ragged nested array at depth ${depth}`);
  for (let i = 0; i < len; i++) flatten((v as ArrayLike<NestedArray>)[i] as NestedArray, depth + 1, shape, out);
}

/** [start, start + step, ...) below stop, as in numpy. */
export function arange(start: number, stop?: number, step = 1): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw new Error('arange: step must not be 0');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return new Tensor(data, [n]);
}

export function randn(shape: Shape, opts: CreateOptions & { std?: number; mean?: number; rng?: Rng } = {}): Tensor {
  const rng = opts.rng ?? globalRng();
  const data = new Float32Array(sizeOf(shape));
  const std = opts.std ?? 1;
  const mean = opts.mean ?? 0;
  for (let i = 0; i < data.length; i++) data[i] = mean + std * rng.normal();
  return new Tensor(data, shape, opts.requiresGrad);
}

export function uniform(shape: Shape, low: number, high: number, opts: CreateOptions & { rng?: Rng } = {}): Tensor {
  const rng = opts.rng ?? globalRng();
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = low + (high - low) * rng.next();
  return new Tensor(data, shape, opts.requiresGrad);
}
