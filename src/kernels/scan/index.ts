// Scans of the linear recurrence h_t = a_t ⊙ h_{t−1} + b_t over a time axis, for C independent
// channels, real or complex (re/im in separate arrays), all time-major [L, C]. One file per
// algorithm; backward.ts runs the reverse recurrence of the gradient on any of them.

export {
  type LinearRecurrence, type ScanResult, type ScanOptions, type ScanAlgorithm, type PairRows, SCAN_ALGORITHMS,
} from './recurrence.js';
export { sequentialScan, sequentialRange } from './sequential.js';
export { hillisSteeleScan } from './hillis_steele.js';
export { blellochScan, type BlellochRound } from './blelloch.js';
export { chunkedScan, chunkLocalScan, chunkFixUp, type ChunkCarries } from './chunked.js';
export { runScan } from './run.js';
export { scanBackward, type ScanGradients } from './backward.js';
