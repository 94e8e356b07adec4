// safetensors files (Node): the codec of safetensors_codec.ts plus atomic writes and reads.

import fs from 'node:fs';
import { writeAll, writeFileAtomicWith } from './atomic.js';
import { decodeSafetensors, encodeSafetensorsHeader, NamedTensor } from './safetensors_codec.js';

export { encodeSafetensors, decodeSafetensors, halfToFloat, type NamedTensor } from './safetensors_codec.js';

/** Writes the file atomically, streamed tensor by tensor: never a buffer of the whole file (above 2 GiB, Node could not write one in a call). */
export function saveSafetensors(path: string, tensors: Map<string, NamedTensor>, metadata?: Record<string, string>): void {
  const { head, names } = encodeSafetensorsHeader(tensors, metadata);
  writeFileAtomicWith(path, (fd) => {
    writeAll(fd, head);
    for (const name of names) {
      const d = tensors.get(name)!.data;
      writeAll(fd, new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    }
  });
}

export function loadSafetensors(path: string): { tensors: Map<string, NamedTensor>; metadata: Record<string, string> } {
  if (!fs.existsSync(path)) throw new Error(`${path}: file not found`);
  return decodeSafetensors(fs.readFileSync(path), path);
}
