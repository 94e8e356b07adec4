// Dispatch by algorithm name.

import { LinearRecurrence, ScanAlgorithm, ScanOptions, ScanResult } from './recurrence.js';
import { sequentialScan } from './sequential.js';
import { hillisSteeleScan } from './hillis_steele.js';
import { blellochScan } from './blelloch.js';
import { chunkedScan } from './chunked.js';

export function runScan(r: LinearRecurrence, algorithm: ScanAlgorithm = 'sequential', opts: ScanOptions = {}): ScanResult {
  switch (algorithm) {
    case 'sequential':
      return sequentialScan(r);
    case 'hillis-steele':
      return hillisSteeleScan(r);
    case 'blelloch':
      return blellochScan(r);
    case 'chunked':
      return chunkedScan(r, opts);
    default:
      throw new Error(`runScan: unknown algorithm '${algorithm as string}' (available: sequential, hillis-steele, blelloch, chunked)`);
  }
}
