// First-fit blocks in a growing address range [base, top) of the wasm memory: the runtime's
// resident and arena arrays. A freed block merges with free neighbours, and a free block that
// ends at the top lowers the top, giving the space back to the per-call scratch above it.

export class BlockHeap {
  /** Free blocks [address, bytes], sorted by address, never adjacent (merged). */
  private readonly free: Array<[number, number]> = [];

  constructor(public top: number) {}

  /** The address of a block of `bytes`; `reserve(end)` makes the memory reach `end` before the top moves there. */
  alloc(bytes: number, reserve: (end: number) => void): number {
    for (let i = 0; i < this.free.length; i++) {
      const [at, size] = this.free[i];
      if (size < bytes) continue;
      if (size === bytes) this.free.splice(i, 1);
      else this.free[i] = [at + bytes, size - bytes];
      return at;
    }
    const p = this.top;
    reserve(p + bytes);
    this.top = p + bytes;
    return p;
  }

  release(p: number, bytes: number): void {
    const blocks = this.free;
    let i = 0;
    while (i < blocks.length && blocks[i][0] < p) i++;
    blocks.splice(i, 0, [p, bytes]);
    // Merge with the following block, then with the previous one.
    if (i + 1 < blocks.length && blocks[i][0] + blocks[i][1] === blocks[i + 1][0]) {
      blocks[i][1] += blocks[i + 1][1];
      blocks.splice(i + 1, 1);
    }
    if (i > 0 && blocks[i - 1][0] + blocks[i - 1][1] === blocks[i][0]) {
      blocks[i - 1][1] += blocks[i][1];
      blocks.splice(i, 1);
    }
    const last = blocks[blocks.length - 1];
    if (last && last[0] + last[1] === this.top) {
      this.top = last[0];
      blocks.pop();
    }
  }
}
