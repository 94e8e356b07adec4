// 8-bit weights for generation. At batch 1 a generated token reads every weight once, so bytes
// per weight set the step's speed: int8 reads a quarter of f32's. Each weight is an integer
// q in [−127, 127] times its row's scale s = max|w| / 127 over the row: one scale per row of a
// matrix [rows, cols].
//
// The product with an activation row x is integer arithmetic, as in llama.cpp (which rounds x to
// 8 bits per block of 32): x is rounded once per matrix-vector product to 16-bit integers
// qx = round(x / sx), sx = max|x| / 32767, and
//   y_j = sx · s_j · Σ_c q[j, c] · qx[c]
// with the sum exact in 32-bit integers (summed in f32 every INT8_FLUSH columns, below overflow).
// The rounding of x adds a relative error of at most 2⁻¹⁵ of max|x| per element: small beside the
// weights' 2⁻⁸. int8MatVec is the specification the fast kernels are tested against.
//
// Layout ("int8 rows"), in a Float32Array so that it is stored, made resident and copied like any
// other array: the rows' int8 weights, each row padded with zeros to int8RowBytes(cols) (a
// multiple of 32, so a kernel reads whole vectors), then the rows' f32 scales.

/** Columns per row padded to a multiple of this: two 16-byte vectors per step of a kernel. */
export const INT8_PAD = 32;
/** Columns summed in 32-bit integers before the sum moves to f32: 127 · 32767 · 1024 / 4 per lane < 2³¹. */
export const INT8_FLUSH = 1024;
const Q_MAX = 127;
const X_MAX = 32767;

/** Bytes of one padded row of `cols` int8 weights. */
export function int8RowBytes(cols: number): number {
  return Math.ceil(cols / INT8_PAD) * INT8_PAD;
}

/** 32-bit words of a [rows, cols] matrix in int8 rows: the weights, then one scale per row. */
export function int8Words(rows: number, cols: number): number {
  return (rows * int8RowBytes(cols)) / 4 + rows;
}

/** Round half to even, as WebAssembly's nearest. */
function nearest(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** w [rows, cols] (f32, row-major) → int8 rows (int8Words(rows, cols) words). */
export function packInt8Rows(w: Float32Array, rows: number, cols: number): Float32Array {
  if (w.length !== rows * cols) throw new Error(`packInt8Rows: ${w.length} weights for ${rows} × ${cols}`);
  const rowBytes = int8RowBytes(cols);
  const out = new Float32Array(int8Words(rows, cols));
  const q = new Int8Array(out.buffer, 0, rows * rowBytes);
  const scales = out.subarray((rows * rowBytes) / 4);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let c = 0; c < cols; c++) max = Math.max(max, Math.abs(w[r * cols + c]));
    const s = Math.fround(max / Q_MAX);
    scales[r] = s;
    if (s === 0) continue;
    for (let c = 0; c < cols; c++) q[r * rowBytes + c] = Math.max(-Q_MAX, Math.min(Q_MAX, nearest(w[r * cols + c] / s)));
  }
  return out;
}

/** Int8 rows → the f32 weights they stand for [rows, cols] (q · s), in `out` when given. */
export function unpackInt8Rows(packed: Float32Array, rows: number, cols: number, out: Float32Array = new Float32Array(rows * cols)): Float32Array {
  checkWords(packed, rows, cols, 'unpackInt8Rows');
  const rowBytes = int8RowBytes(cols);
  const q = new Int8Array(packed.buffer, packed.byteOffset, rows * rowBytes);
  const scales = packed.subarray((rows * rowBytes) / 4);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = q[r * rowBytes + c] * scales[r];
  return out;
}

/** Row r of int8 rows [rows, cols] as f32, written to out from `offset` (an embedding lookup). */
export function unpackInt8Row(packed: Float32Array, rows: number, cols: number, r: number, out: Float32Array, offset: number): void {
  checkWords(packed, rows, cols, 'unpackInt8Row');
  const rowBytes = int8RowBytes(cols);
  const q = new Int8Array(packed.buffer, packed.byteOffset + r * rowBytes, cols);
  const s = packed[(rows * rowBytes) / 4 + r];
  for (let c = 0; c < cols; c++) out[offset + c] = q[c] * s;
}

/** x [k] → 16-bit integers padded with zeros to `padded`, and their scale sx (x ≈ sx · qx). */
export function quantizeActivations(x: Float32Array, padded: number): { q: Int16Array; scale: number } {
  let max = 0;
  for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i]));
  const q = new Int16Array(padded);
  if (max === 0) return { q, scale: 0 };
  const inv = Math.fround(X_MAX / max);
  for (let i = 0; i < x.length; i++) q[i] = nearest(Math.fround(x[i] * inv));
  return { q, scale: Math.fround(max / X_MAX) };
}

/** out [rows] = x [cols] · Wᵀ for W in int8 rows: the integer product the fast kernels compute. */
export function int8MatVec(x: Float32Array, packed: Float32Array, rows: number, cols: number, out: Float32Array): void {
  checkWords(packed, rows, cols, 'int8MatVec');
  const rowBytes = int8RowBytes(cols);
  const q = new Int8Array(packed.buffer, packed.byteOffset, rows * rowBytes);
  const scales = packed.subarray((rows * rowBytes) / 4);
  const ax = quantizeActivations(x, rowBytes);
  for (let r = 0; r < rows; r++) {
    let sum = 0; // exact: |sum| < 2⁵³
    for (let c = 0; c < cols; c++) sum += q[r * rowBytes + c] * ax.q[c];
    out[r] = ax.scale * scales[r] * sum;
  }
}

function checkWords(packed: Float32Array, rows: number, cols: number, what: string): void {
  if (packed.length !== int8Words(rows, cols)) throw new Error(`${what}: ${packed.length} words for ${rows} × ${cols} int8 rows (expected ${int8Words(rows, cols)})`);
}
