// safetensors files (Node): the codec of safetensors_codec.ts plus atomic writes and reads.

import fs from 'node:fs';
import { writeFileAtomic } from './atomic.js';
import { decodeSafetensors, encodeSafetensors, NamedTensor } from './safetensors_codec.js';

export { encodeSafetensors, decodeSafetensors, halfToFloat, type NamedTensor } from './safetensors_codec.js';

export function saveSafetensors(path: string, tensors: Map<string, NamedTensor>, metadata?: Record<string, string>): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

export function loadSafetensors(path: string): { tensors: Map<string, NamedTensor>; metadata: Record<string, string> } {
  if (!fs.existsSync(path)) throw new Error(`${path}: file not found`);
  return decodeSafetensors(fs.readFileSync(path), path);
}
