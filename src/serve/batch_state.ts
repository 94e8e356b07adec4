// Gathering and scattering sequences' rows of a model's generation state. The step takes one
// state for the whole batch (every per-sequence array is [B, ...] row-major); sequences join and
// leave the batch between steps, so their rows move in and out. Which arrays are per sequence is
// read off the model itself: an array whose length grows with the batch (initState(2) against
// initState(1)) has one row per sequence; one that does not (A = −exp(A_log), packed weights) is
// shared and never copied.

import type { RowState, StepModel } from './step_model.js';

/** One sequence's rows of the per-sequence arrays, in the layout's order (plain copies). */
export type SeqState = Float32Array[];

interface Field {
  layer: number;
  name: string;
  /** Floats per sequence. */
  row: number;
}

export class StateLayout {
  readonly fields: Field[] = [];
  /** Floats per sequence over all fields. */
  readonly rowFloats: number;

  constructor(model: StepModel) {
    const one = model.initState(1);
    const two = model.initState(2);
    one.layers.forEach((layer, i) => {
      for (const name of Object.keys(layer)) {
        const row = two.layers[i][name].length - layer[name].length;
        if (row === 0) continue;
        if (row !== layer[name].length) throw new Error(`StateLayout: state.layers[${i}].${name} is not [B, ...] (length ${layer[name].length} at B = 1, ${two.layers[i][name].length} at B = 2)`);
        this.fields.push({ layer: i, name, row });
      }
    });
    this.rowFloats = this.fields.reduce((s, f) => s + f.row, 0);
  }

  /** Field names as saved in a state file: `layers.{i}.{name}`. */
  names(): string[] {
    return this.fields.map((f) => `layers.${f.layer}.${f.name}`);
  }

  /** The first `batch` rows of a state made for at least that many: views, shared arrays as they are. */
  view(state: RowState, batch: number): RowState {
    const out: RowState = { ...state, layers: state.layers.map((layer) => ({ ...layer })) };
    for (const f of this.fields) out.layers[f.layer][f.name] = state.layers[f.layer][f.name].subarray(0, batch * f.row);
    return out;
  }

  /** A copy of row `row` of `state`. */
  read(state: RowState, row: number): SeqState {
    return this.fields.map((f) => state.layers[f.layer][f.name].slice(row * f.row, (row + 1) * f.row));
  }

  /** Writes a sequence's rows into row `row` of `state` (in place: the arrays may be resident). */
  write(state: RowState, row: number, seq: SeqState): void {
    this.fields.forEach((f, j) => state.layers[f.layer][f.name].set(seq[j], row * f.row));
  }

  /** Copies row `from` of `src` to row `to` of `dst` (they may be the same state). */
  move(src: RowState, from: number, dst: RowState, to: number): void {
    for (const f of this.fields) {
      const a = src.layers[f.layer][f.name];
      const b = dst.layers[f.layer][f.name];
      if (a === b) a.copyWithin(to * f.row, from * f.row, (from + 1) * f.row);
      else b.set(a.subarray(from * f.row, (from + 1) * f.row), to * f.row);
    }
  }

  /** Zeroes row `row` (a fresh sequence). */
  clear(state: RowState, row: number): void {
    for (const f of this.fields) state.layers[f.layer][f.name].fill(0, row * f.row, (row + 1) * f.row);
  }
}
