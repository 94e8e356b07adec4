// Gathering and scattering sequences' rows of a model's generation state. The step takes one
// state for the whole batch (every per-sequence array is [B, ...] row-major); sequences join and
// leave the batch between steps, so their rows move in and out. Which arrays are per sequence is
// read off the model itself: an array whose length grows with the batch (initState(2) against
// initState(1)) has one row per sequence; one that does not (A = −exp(A_log), packed weights) is
// shared and never copied.

import type { RowState, ServeState } from './step_model.js';

/** One sequence's rows of the per-sequence arrays, in the layout's order (plain copies). */
export type SeqState = Float32Array[];

/**
 * What the scheduler, the state cache and state files need of a model's batch state `S`: moving
 * one sequence's part of it in and out. StateLayout is this for arrays per layer (the recurrent
 * states), KVRows (kv_rows.ts) for a KV cache.
 */
export interface StateRows<S> {
  /** The names of a SeqState's arrays, as saved in a state file. */
  names(): string[];
  /** The first `batch` sequences of a state made for at least that many. */
  view(state: S, batch: number): S;
  /** A copy of sequence `row`'s part of `state`. */
  read(state: S, row: number): SeqState;
  /** Puts a sequence's part into row `row` of `state` (in place: the arrays may be resident). */
  write(state: S, row: number, seq: SeqState): void;
  /** Copies row `from` of `src` to row `to` of `dst` (they may be the same state). */
  move(src: S, from: number, dst: S, to: number): void;
  /** Makes row `row` a fresh sequence. */
  clear(state: S, row: number): void;
  /** Why `seq` (read from a file) cannot be this model's, or null when it can. */
  check(seq: SeqState): string | null;
  /** Bytes that sequence `row` holds in `state`. */
  rowBytes(state: S, row: number): number;
  /** Bytes `state` has allocated for its per-sequence parts (every row, with room to grow). */
  allocatedBytes(state: S): number;
}

interface Field {
  layer: number;
  name: string;
  /** Floats per sequence. */
  row: number;
}

export class StateLayout implements StateRows<RowState> {
  readonly fields: Field[] = [];
  /** Floats per sequence over all fields. */
  readonly rowFloats: number;

  constructor(model: { initState(batch: number): ServeState }) {
    const one = model.initState(1) as RowState;
    const two = model.initState(2) as RowState;
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

  check(seq: SeqState): string | null {
    const j = this.fields.findIndex((f, i) => seq[i]?.length !== f.row);
    return j < 0 ? null : `${this.names()[j]} ${seq[j] ? `has ${seq[j].length} floats` : 'is missing'}, this model's state needs ${this.fields[j].row}`;
  }

  /** The same for every sequence: 4 · rowFloats. */
  rowBytes(_state: RowState, _row: number): number {
    return 4 * this.rowFloats;
  }

  allocatedBytes(state: RowState): number {
    return this.fields.reduce((a, f) => a + 4 * state.layers[f.layer][f.name].length, 0);
  }

  /** Zeroes row `row` (a fresh sequence). */
  clear(state: RowState, row: number): void {
    for (const f of this.fields) state.layers[f.layer][f.name].fill(0, row * f.row, (row + 1) * f.row);
  }
}
