// bfloat16 weights for generation. At batch 1 a generated token reads every weight once, so the
// step's speed is the speed at which the weights stream from memory; bf16 (the upper 16 bits of
// an f32: its 8 exponent bits and 7 of its 23 mantissa bits) halves those bytes, and a d 256
// model's matrices then fit the cores' L2. The arithmetic stays f32: a kernel widens each weight
// back to f32 exactly (a shift or a mask) and multiplies as before, so the only change in the
// results is the rounding of the weights (relative error at most 2⁻⁸).
//
// Layout ("packed rows"): each row of `cols` weights takes ceil(cols / 2) 32-bit words, held in a
// Float32Array so that it is stored, made resident and copied like any other array (bit patterns
// are copied, never read as numbers). Within a row, each group of 8 weights w0..w7 takes 4
// words, word q = (w_{4+q} << 16) | w_q: the low halves shifted up are w0..w3 and the masked high
// halves w4..w7, in the order of the 8 activations they multiply, so a kernel needs no shuffle.
// A row's last cols mod 8 weights follow in pairs, low half first (a 0 pads an odd count).

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The bf16 bits of x, rounded to nearest even (NaN stays a quiet NaN). */
export function bf16Bits(x: number): number {
  f32[0] = x;
  return roundBits(u32[0]);
}

/** f32 bits → bf16 bits, rounded to nearest even. */
function roundBits(bits: number): number {
  if ((bits & 0x7fffffff) > 0x7f800000) return 0x7fc0;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** The f32 value of bf16 bits. */
export function bf16Value(bits: number): number {
  u32[0] = bits << 16;
  return f32[0];
}

/** 32-bit words per packed row of `cols` weights. */
export function bf16RowWords(cols: number): number {
  return Math.ceil(cols / 2);
}

/** Where each weight of a packed row of `cols` sits: word · 2 + (0 for the low half, 1 for the high one). */
function rowLayout(cols: number): Int32Array {
  const at = new Int32Array(cols);
  const whole = cols & ~7;
  for (let c = 0; c < whole; c++) at[c] = ((c >> 3) * 4 + (c & 3)) * 2 + ((c & 7) >> 2);
  for (let c = whole; c < cols; c++) at[c] = whole + (c - whole); // pairs after the groups: word whole/2 + t/2, half t mod 2
  return at;
}

/** w [rows, cols] (f32, row-major) → packed bf16 rows [rows, bf16RowWords(cols)] words. */
export function packBf16Rows(w: Float32Array, rows: number, cols: number): Float32Array {
  if (w.length !== rows * cols) throw new Error(`packBf16Rows: ${w.length} weights for ${rows} × ${cols}`);
  const rowWords = bf16RowWords(cols);
  const halves = new Uint16Array(rows * rowWords * 2); // little-endian: half h of word q is halves[2q + h]
  const bits = new Uint32Array(w.buffer, w.byteOffset, w.length);
  const at = rowLayout(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) halves[r * rowWords * 2 + at[c]] = roundBits(bits[r * cols + c]);
  }
  return new Float32Array(halves.buffer);
}

/** Packed bf16 rows → their f32 values [rows, cols]: what a kernel multiplies with. */
export function unpackBf16Rows(packed: Float32Array, rows: number, cols: number, out: Float32Array = new Float32Array(rows * cols)): Float32Array {
  const rowWords = bf16RowWords(cols);
  if (packed.length !== rows * rowWords) throw new Error(`unpackBf16Rows: ${packed.length} words for ${rows} × ${cols}`);
  const halves = new Uint16Array(packed.buffer, packed.byteOffset, packed.length * 2);
  const values = new Uint32Array(out.buffer, out.byteOffset, rows * cols);
  const at = rowLayout(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) values[r * cols + c] = halves[r * rowWords * 2 + at[c]] << 16;
  }
  return out;
}

/** Row r of packed bf16 rows [rows, cols] as f32, written to out from `offset` (an embedding lookup). */
export function unpackBf16Row(packed: Float32Array, cols: number, r: number, out: Float32Array, offset: number): void {
  const rowWords = bf16RowWords(cols);
  unpackBf16Rows(packed.subarray(r * rowWords, (r + 1) * rowWords), 1, cols, out.subarray(offset, offset + cols));
}
