// The Vega-Lite specs of the lab's views, from what record() returns (src/models/record.ts). Pure
// functions of the data: the page draws them (charts.ts), the tests check their data.
// Heatmaps and lines come from the project's builders (src/experiments/plot.ts).

import type { TopLevelSpec } from 'vega-lite';
import { heatmap, lineChart, type Cell } from '../../src/experiments/plot.js';
import type { BlellochRound, Recorded } from '../../src/browser.js';

/** A token as an axis label: blanks made visible. */
export function tokenLabel(t: string): string {
  return t === ' ' ? '␣' : t === '\n' ? '⏎' : t === '\t' ? '⇥' : t;
}

/** x = token position, labelled by the token itself (positions keep repeated characters apart). */
function withTokenAxis(spec: TopLevelSpec, tokens: string[], title = 'token'): TopLevelSpec {
  const s = spec as unknown as { layer: Array<{ encoding: { x: Record<string, unknown> } }> };
  for (const layer of s.layer) {
    layer.encoding.x = { ...layer.encoding.x, title, axis: { labelAngle: 0, labelOverlap: 'parity', labelExpr: `${JSON.stringify(tokens.map(tokenLabel))}[datum.value]` } };
  }
  return spec;
}

/** Cells of a [L, C] slice: x = position, y = row label, value = f(v). */
function cellsOf(data: Float32Array, L: number, C: number, f: (v: number) => number, yLabel: (c: number) => string | number): Cell[] {
  const cells: Cell[] = [];
  for (let t = 0; t < L; t++) for (let c = 0; c < C; c++) cells.push({ x: t, y: yLabel(c), value: f(data[t * C + c]) });
  return cells;
}

/** Δ per token × channel (Mamba-2: × head) of one layer (batch row 0), as log₁₀ Δ: Δ spans orders of magnitude. */
export function deltaHeatmap(delta: Recorded, tokens: string[], width: number, rows: 'channel' | 'head' = 'channel'): TopLevelSpec {
  const [, L, E] = delta.shape;
  const cells = cellsOf(delta.data, L, E, Math.log10, (c) => c);
  const spec = heatmap(cells, { title: `Δ per token and ${rows}`, xLabel: 'token', yLabel: rows, valueLabel: 'log₁₀ Δ', width, height: Math.min(320, Math.max(rows === 'head' ? 80 : 160, 2 * E)) });
  const s = spec as unknown as { layer: Array<{ encoding: { y: Record<string, unknown> } }> };
  if (E > 16) s.layer[0].encoding.y = { ...s.layer[0].encoding.y, axis: { labelOverlap: 'greedy', values: Array.from({ length: Math.ceil(E / 16) }, (_, i) => i * 16) } };
  return withTokenAxis(spec, tokens);
}

/** Mean Δ over the channels at each token: which tokens make the model reset (high) or skip (low). */
export function meanDeltaPerToken(delta: Recorded): number[] {
  const [, L, E] = delta.shape;
  return Array.from({ length: L }, (_, t) => {
    let s = 0;
    for (let e = 0; e < E; e++) s += delta.data[t * E + e];
    return s / E;
  });
}

export function meanDeltaChart(delta: Recorded, tokens: string[], width: number): TopLevelSpec {
  const values = meanDeltaPerToken(delta).map((v, t) => ({ x: t, y: v }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'mean Δ over the channels, per token',
    width, height: 110, background: 'white', padding: 12,
    data: { values },
    layer: [{
      mark: { type: 'bar', color: '#4c78a8' },
      encoding: {
        x: { field: 'x', type: 'ordinal', title: 'token', axis: { labelAngle: 0, labelOverlap: 'parity', labelExpr: `${JSON.stringify(tokens.map(tokenLabel))}[datum.value]` } },
        y: { field: 'y', type: 'quantitative', title: 'mean Δ' },
        tooltip: [{ field: 'y', type: 'quantitative', title: 'mean Δ', format: '.4f' }],
      },
    }],
  } as TopLevelSpec;
}

/** ‖h_t‖ per token (x) and layer (y). */
export function stateNormHeatmap(norms: Array<Recorded | undefined>, tokens: string[], width: number): TopLevelSpec {
  const cells: Cell[] = [];
  norms.forEach((n, layer) => {
    if (!n) return;
    for (let t = 0; t < n.shape[1]; t++) cells.push({ x: t, y: `layer ${layer}`, value: n.data[t] });
  });
  return withTokenAxis(heatmap(cells, { title: 'norm of the state ‖h_t‖ per token and layer', xLabel: 'token', yLabel: '', valueLabel: '‖h‖', width, height: Math.max(60, 26 * norms.length) }), tokens);
}

/** The Mamba block's output gate SiLU(z) per token × channel. */
export function gateHeatmap(gate: Recorded, tokens: string[], width: number): TopLevelSpec {
  const [, L, E] = gate.shape;
  const spec = heatmap(cellsOf(gate.data, L, E, (v) => v, (c) => c), { title: 'gate SiLU(z) per token and channel', xLabel: 'token', yLabel: 'channel', valueLabel: 'SiLU(z)', width, height: Math.min(320, Math.max(160, 2 * E)), midpoint: 0 });
  const s = spec as unknown as { layer: Array<{ encoding: { y: Record<string, unknown> } }> };
  s.layer[0].encoding.y = { ...s.layer[0].encoding.y, axis: { values: Array.from({ length: Math.ceil(E / 16) }, (_, i) => i * 16) } };
  return withTokenAxis(spec, tokens);
}

/** One head's attention weights: query (y) × key (x), of a [1, H, L, L] record. */
export function attentionHeatmap(att: Recorded, head: number, tokens: string[], width: number): TopLevelSpec {
  const [, , L] = att.shape;
  const cells: Cell[] = [];
  const base = head * L * L;
  const label = (t: number) => `${t} ${tokenLabel(tokens[t])}`;
  for (let i = 0; i < L; i++) for (let j = 0; j < L; j++) cells.push({ x: j, y: label(i), value: att.data[base + i * L + j] });
  const side = Math.min(width, 520);
  const spec = heatmap(cells, { title: `attention weights, head ${head}`, xLabel: 'key', yLabel: 'query', valueLabel: 'weight', width: side, height: side, valueRange: [0, 1] });
  const s = spec as unknown as { layer: Array<{ encoding: { y: Record<string, unknown> } }> };
  s.layer[0].encoding.y = { ...s.layer[0].encoding.y, axis: { labelOverlap: 'parity' } };
  return withTokenAxis(spec, tokens, 'key (attended to)');
}

/** LRU eigenvalues on the complex plane, with the unit circle and the initial ring's inner edge (|λ| = 0.9). */
export function ringChart(layers: Array<{ layer: number; re: Float32Array; im: Float32Array | null }>, step: number, size: number): TopLevelSpec {
  const points = layers.flatMap(({ layer, re, im }) => Array.from(re, (r, n) => ({ layer: `layer ${layer}`, re: r, im: im ? im[n] : 0, modulus: Math.hypot(r, im ? im[n] : 0) })));
  const circle = (radius: number, label: string) => Array.from({ length: 121 }, (_, k) => ({ circle: label, k, re: radius * Math.cos((2 * Math.PI * k) / 120), im: radius * Math.sin((2 * Math.PI * k) / 120) }));
  const axis = { field: 're', type: 'quantitative', scale: { domain: [-1.05, 1.05] }, title: 'Re λ' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `λ after step ${step}`,
    width: size, height: size, background: 'white', padding: 12,
    layer: [
      { data: { values: [...circle(1, '|λ| = 1'), ...circle(0.9, '|λ| = 0.9')] }, mark: { type: 'line', strokeWidth: 1 }, encoding: { x: axis, y: { field: 'im', type: 'quantitative', scale: { domain: [-1.05, 1.05] }, title: 'Im λ' }, order: { field: 'k' }, detail: { field: 'circle' }, strokeDash: { field: 'circle', type: 'nominal', title: 'reference', scale: { range: [[1, 0], [4, 3]] } }, color: { value: '#999' } } },
      { data: { values: points }, mark: { type: 'point', filled: true, size: 28, opacity: 0.8 }, encoding: { x: axis, y: { field: 'im', type: 'quantitative' }, color: { field: 'layer', type: 'nominal', title: 'layer' }, tooltip: [{ field: 'modulus', type: 'quantitative', title: '|λ|', format: '.4f' }] } },
    ],
  } as TopLevelSpec;
}

/**
 * Training loss per step and validation at each evaluation, both in bits per character: the lab's
 * tokenizer is by character, so nats per token ÷ ln 2 is bits per character.
 */
export function lossChart(loss: Array<[number, number]>, bpc: Array<[number, number]>, width: number): TopLevelSpec {
  return lineChart(
    [{ label: 'training batch', points: loss.map(([s, l]) => [s, l / Math.LN2]) }, { label: 'validation', points: bpc, dashed: true }],
    { title: 'bits per character', xLabel: 'step', yLabel: 'bits per character', width, height: 220 },
  );
}

/** Blelloch's working rows: during the up-sweep, each right node's subtree total (a: product of decays, b: its state from zero); during the down-sweep, b holds the state before each position; the final round writes h. */
export const BLELLOCH_A = 'Blelloch a (up-sweep)';
export const BLELLOCH_B = 'Blelloch b / state';

/** One frame of the scan view: the inputs, the sequential scan after `seqStep` steps, and Blelloch's working rows after a round. */
export interface ScanFrame {
  a: Float32Array;
  b: Float32Array;
  sequential: Array<number | null>;
  blelloch: BlellochRound | null;
  /** Which cells changed in this frame: row name → positions. */
  changed: Record<string, number[]>;
}

export function scanChart(f: ScanFrame, width: number): TopLevelSpec {
  const n = f.a.length;
  const rows: Array<{ row: string; x: number; value: number | null; changed: boolean }> = [];
  const push = (row: string, v: ArrayLike<number | null>, count = n) => {
    for (let x = 0; x < count; x++) rows.push({ row, x, value: v[x], changed: (f.changed[row] ?? []).includes(x) });
  };
  push('a (decay)', f.a);
  push('b (input)', f.b);
  push('sequential h', f.sequential);
  const empty = new Array<number | null>(n).fill(null);
  push(BLELLOCH_A, f.blelloch && f.blelloch.phase === 'up' ? f.blelloch.a : empty);
  push(BLELLOCH_B, f.blelloch ? f.blelloch.b : empty);
  const x = { field: 'x', type: 'ordinal', title: 'position t', axis: { labelAngle: 0 } };
  // A fixed domain keeps the rows of scans not yet started (all values null) on the chart.
  const y = { field: 'row', type: 'nominal', title: null, sort: null, scale: { domain: ['a (decay)', 'b (input)', 'sequential h', BLELLOCH_A, BLELLOCH_B] } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width, height: 200, background: 'white', padding: 12,
    data: { values: rows },
    layer: [
      { mark: { type: 'rect', stroke: 'white' }, encoding: { x, y, color: { field: 'value', type: 'quantitative', title: 'value', scale: { scheme: 'redblue', reverse: true, domainMid: 0 } } } },
      { transform: [{ filter: 'datum.changed' }], mark: { type: 'rect', fill: null, stroke: '#f58518', strokeWidth: 3 }, encoding: { x, y } },
      { transform: [{ filter: 'datum.value !== null' }], mark: { type: 'text', fontSize: 12 }, encoding: { x, y, text: { field: 'value', type: 'quantitative', format: '.2f' } } },
    ],
  } as TopLevelSpec;
}
