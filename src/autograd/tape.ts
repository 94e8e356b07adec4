// Define-by-run autograd, micrograd style: every op output remembers its parents and a closure
// that turns ∂L/∂out into ∂L/∂parents. backward() sorts the graph and runs the closures in reverse.

import { GradNode, Shape, Tensor, shapeStr } from '../tensor/tensor.js';
import { allocArray, allocOutput, inArena } from '../kernels/memory.js';
import { kernels } from '../kernels/backend.js';

let gradEnabled = true;

/** Runs fn without recording: no graph is built, outputs do not require grad. */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** The names of every differentiable op; the gradient-check test enumerates it. */
export const OP_REGISTRY = new Set<string>();

export function registerOp(name: string): void {
  OP_REGISTRY.add(name);
}

/**
 * Wraps an op's output data in a tensor and, when any input needs a gradient, records how to
 * push the output gradient back. `backward` receives ∂L/∂out and must call accumulate() on the
 * parents that need it.
 */
export function record(
  op: string,
  data: Float32Array,
  shape: Shape,
  parents: readonly Tensor[],
  backward: (gradOut: Float32Array) => void,
): Tensor {
  const out = new Tensor(data, shape);
  if (gradEnabled && parents.some((p) => p.requiresGrad)) {
    out.requiresGrad = true;
    const node: GradNode = { op, parents, backward };
    out.node = node;
  }
  return out;
}

// Gradient arrays of parameters, kept from one backward pass to the next (keepGradArray).
const keptGrads = new WeakMap<Tensor, Float32Array | null>();

/**
 * Makes t (a module's parameter) keep its gradient array: each backward pass writes t's gradient
 * into the same array, held where the backend's kernels work in place (wasm memory), instead of a
 * fresh one per step that would be copied out of the step's arena. A gradient that a caller keeps
 * past the next backward pass is overwritten by it (copy it to keep it).
 */
export function keepGradArray(t: Tensor): void {
  if (!keptGrads.has(t)) keptGrads.set(t, null);
}

/** t's kept gradient array (created on first use; contents stale), or null when t keeps none. */
function keptGrad(t: Tensor): Float32Array | null {
  if (!keptGrads.has(t)) return null;
  let g = keptGrads.get(t) ?? null;
  if (g === null) keptGrads.set(t, (g = kernels().residentCopy(new Float32Array(t.size))));
  return g;
}

/**
 * Adds g into t.grad (allocating it on first use); skips tensors that need no gradient.
 * Pass owned = true when g is a fresh array nobody else holds, to adopt it without a copy.
 */
export function accumulate(t: Tensor, g: Float32Array, owned = false): void {
  if (!t.requiresGrad) return;
  if (g.length !== t.size) throw new Error(`autograd: gradient of ${t} has ${g.length} elements`);
  if (t.grad === null) {
    const kept = keptGrad(t);
    if (kept) (t.grad = kept).set(g);
    // A leaf's gradient (a parameter's) outlives the step: never keep an arena array for it.
    else if (t.node === null && inArena()) t.grad = g.slice();
    else if (owned) t.grad = g;
    else (t.grad = allocOutput(g.length)).set(g);
    return;
  }
  kernels().addInto(t.grad, g);
}

/**
 * accumulate() for a gradient that a kernel can add in place: `write(dst, add)` writes it into
 * dst, or adds it to dst when add is true. A tensor with several consumers (the residual stream,
 * a layer's input) then takes the second gradient in its existing one, with no temporary.
 * `zeroed`: a fresh dst starts at zero (for writes that cover only part of it).
 */
export function accumulateWith(t: Tensor, write: (dst: Float32Array, add: boolean) => void, zeroed = false): void {
  if (!t.requiresGrad) return;
  if (t.grad !== null) return write(t.grad, true);
  const kept = keptGrad(t);
  if (kept) {
    if (zeroed) kept.fill(0);
    write((t.grad = kept), false);
    return;
  }
  const g = zeroed ? allocArray(t.size) : allocOutput(t.size);
  write(g, false);
  accumulate(t, g, true);
}

/**
 * Backpropagates from a scalar (or from `gradOut` for a non-scalar root). The order is a reverse
 * topological sort computed with an explicit stack, so graphs of any depth work. Intermediate
 * gradients are dropped as soon as they have been propagated, and the graph is freed afterwards.
 */
export function backward(root: Tensor, gradOut?: Float32Array): void {
  if (!root.requiresGrad) throw new Error(`backward: ${root} does not require grad (no parameter reaches it)`);
  if (gradOut === undefined && root.size !== 1) {
    throw new Error(`backward: root has shape ${shapeStr(root.shape)}; pass gradOut or reduce to a scalar first`);
  }
  const order = topologicalOrder(root);
  const seed = gradOut ?? new Float32Array([1]);
  accumulate(root, seed);
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i];
    const node = t.node!;
    if (t.grad !== null) node.backward(t.grad);
    // Non-leaf tensors neither keep their gradient nor their place in the graph.
    t.grad = null;
    t.node = null;
  }
}

/** Op outputs reachable from root, parents before children. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: Array<[Tensor, number]> = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, next] = top;
    const parents = t.node?.parents ?? [];
    if (next < parents.length) {
      top[1]++;
      const p = parents[next];
      if (p.node !== null && !visited.has(p)) {
        visited.add(p);
        stack.push([p, 0]);
      }
    } else {
      stack.pop();
      if (t.node !== null) order.push(t);
    }
  }
  return order;
}
