// The backend switch: ops call kernels() and never know which implementation runs.
// A backend is a plain object of kernel functions over typed arrays; a fast backend starts as a
// copy of the reference one and replaces kernels one by one.

import { referenceKernels } from './reference/index.js';

export type Kernels = typeof referenceKernels;

export interface Backend {
  readonly name: string;
  readonly kernels: Kernels;
}

const backends = new Map<string, Backend>([['ref', { name: 'ref', kernels: referenceKernels }]]);
let current: Backend = backends.get('ref')!;

export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

/** Selects a registered backend by name ('ref' is always there). */
export function setBackend(name: string): void {
  const b = backends.get(name);
  if (!b) throw new Error(`setBackend: unknown backend '${name}' (available: ${[...backends.keys()].join(', ')})`);
  current = b;
}

export function backendName(): string {
  return current.name;
}

export function kernels(): Kernels {
  return current.kernels;
}
