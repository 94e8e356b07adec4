// Vega-Lite specs for the plots in docs/results: line charts (training curves, scaling plots with
// log axes), error bands over seeds and heatmaps. A spec is plain data (its points inlined), so
// the same object renders in Node (src/experiments/render.ts: SVG, and PNG with resvg) and in a
// browser (vega-embed or vega.View). This file imports nothing at run time, on purpose: the browser
// lab loads it as it is.

import type { TopLevelSpec } from 'vega-lite';

/** One line: (x, y) points drawn in order; colour and dash optional (default: the palette, solid). */
export interface Series {
  label: string;
  points: Array<[number, number]>;
  color?: string;
  dashed?: boolean;
}

export interface ChartOptions {
  title: string;
  /** Axis titles: say the unit, e.g. 'held-out loss (nats)'. */
  xLabel: string;
  yLabel: string;
  /** Logarithmic axes (base 10), for scaling plots. */
  xLog?: boolean;
  yLog?: boolean;
  /** Axis ranges; default: the data's (y not forced through zero). Lines outside are clipped. */
  xRange?: [number, number];
  yRange?: [number, number];
  /** Size of the plot area in pixels (axes, title and legend come on top). */
  width?: number;
  height?: number;
  /** The legend's title; default none. */
  legendTitle?: string;
  /** Mark each point too (a series of one point is otherwise invisible). */
  points?: boolean;
}

/** Tableau 10, Vega's default palette, listed so that a series' colour is known before rendering. */
export const PALETTE = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];
const DASH = [6, 4];

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** What every chart shares: white background, the title, readable font sizes. */
function frame(o: ChartOptions) {
  return {
    $schema: SCHEMA,
    title: o.title,
    width: o.width ?? 560,
    height: o.height ?? 320,
    background: 'white',
    padding: 12,
    config: {
      font: 'sans-serif',
      title: { fontSize: 15 },
      axis: { labelFontSize: 12, titleFontSize: 13, labelSeparation: 8 }, // labels closer than 8 px thin out
      legend: { labelFontSize: 12, titleFontSize: 12, labelLimit: 260, titleLimit: 260 },
    },
  };
}

function scale(log: boolean | undefined, range: [number, number] | undefined) {
  const domain = range ? { domain: range } : {};
  // A log axis stays at the data's range (rounded out to powers of ten it is mostly empty), padded
  // by a few pixels so that the extreme points are not cut in half at the frame.
  return log ? { type: 'log', nice: false, ...(range ? domain : { padding: 8 }) } : { type: 'linear', zero: false, nice: !range, ...domain };
}

/** The legend's order, colours and dashes: one entry per series, as given. */
function seriesScales(series: Array<Pick<Series, 'label' | 'color' | 'dashed'>>, legendTitle?: string) {
  const domain = series.map((s) => s.label);
  if (new Set(domain).size !== domain.length) throw new Error(`plot: series labels must be unique (got ${domain.join(', ')})`);
  const color = { field: 'series', type: 'nominal', title: legendTitle ?? null, scale: { domain, range: series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]) } } as const;
  // The same field and title on both channels: Vega-Lite draws one legend showing colour and dash.
  const strokeDash = { field: 'series', type: 'nominal', title: legendTitle ?? null, scale: { domain, range: series.map((s) => (s.dashed ? DASH : [1, 0])) } } as const;
  return { color, strokeDash };
}

/**
 * Lines against a quantitative x: training curves (x = step or tokens) or scaling plots (log x and
 * y). Points with a non-finite coordinate (a diverged run's NaN loss) are left out; on a log axis
 * so are points ≤ 0.
 */
export function lineChart(series: Series[], o: ChartOptions): TopLevelSpec {
  const ok = (v: number, log?: boolean) => Number.isFinite(v) && (!log || v > 0);
  const values = series.flatMap((s) => s.points.filter(([x, y]) => ok(x, o.xLog) && ok(y, o.yLog)).map(([x, y]) => ({ series: s.label, x, y })));
  return {
    ...frame(o),
    data: { values },
    mark: { type: 'line', strokeWidth: 2, clip: true, ...(o.points ? { point: true } : {}) },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: o.xLabel, scale: scale(o.xLog, o.xRange) },
      y: { field: 'y', type: 'quantitative', title: o.yLabel, scale: scale(o.yLog, o.yRange) },
      ...seriesScales(series, o.legendTitle),
      order: { field: 'x', type: 'quantitative' }, // connect points in x order, not data order
    },
  } as TopLevelSpec;
}

/** One group of runs that differ only by seed: drawn as their mean and a band. */
export interface BandGroup {
  label: string;
  /** One curve per seed, (x, y) points; the band is taken at the x values the runs share. */
  runs: Array<Array<[number, number]>>;
  color?: string;
  dashed?: boolean;
}

export interface BandOptions extends ChartOptions {
  /** The band: min–max over the seeds (default, honest for 2–5 seeds) or mean ± one standard deviation. */
  band?: 'minmax' | 'stdev';
  /** Also draw each seed's curve as a thin line (default false). */
  showRuns?: boolean;
}

/** Mean, low and high of each x over the runs of a group (only x values present in every run). */
export function bandRows(group: BandGroup, band: 'minmax' | 'stdev' = 'minmax'): Array<{ x: number; mean: number; lo: number; hi: number }> {
  const byX = new Map<number, number[]>();
  for (const run of group.runs) for (const [x, y] of run) if (Number.isFinite(y)) byX.set(x, [...(byX.get(x) ?? []), y]);
  const rows: Array<{ x: number; mean: number; lo: number; hi: number }> = [];
  for (const [x, ys] of [...byX].sort((a, b) => a[0] - b[0])) {
    if (ys.length !== group.runs.length) continue;
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
    const sd = Math.sqrt(ys.reduce((a, y) => a + (y - mean) ** 2, 0) / Math.max(1, ys.length - 1));
    rows.push(band === 'stdev' ? { x, mean, lo: mean - sd, hi: mean + sd } : { x, mean, lo: Math.min(...ys), hi: Math.max(...ys) });
  }
  return rows;
}

/**
 * Error bands over seeds: per group, the mean as a line and the spread as an `errorband`
 * (min–max by default, as said in the legend title), with each seed's curve optionally.
 */
export function bandChart(groups: BandGroup[], o: BandOptions): TopLevelSpec {
  const band = o.band ?? 'minmax';
  const values = groups.flatMap((g) => bandRows(g, band).map((r) => ({ series: g.label, ...r })));
  const runs = groups.flatMap((g) => g.runs.flatMap((run, seed) => run.filter(([, y]) => Number.isFinite(y)).map(([x, y]) => ({ series: g.label, seed, x, y }))));
  const legendTitle = o.legendTitle ?? (band === 'minmax' ? 'mean; band: min–max of seeds' : 'mean; band: ± 1 s.d. of seeds');
  const { color, strokeDash } = seriesScales(groups, legendTitle);
  const x = { field: 'x', type: 'quantitative', title: o.xLabel, scale: scale(o.xLog, o.xRange) } as const;
  const y = { field: 'mean', type: 'quantitative', title: o.yLabel, scale: scale(o.yLog, o.yRange) } as const;
  return {
    ...frame(o),
    layer: [
      { data: { values }, mark: { type: 'errorband', opacity: 0.25, clip: true }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color: { ...color, legend: null } } },
      ...(o.showRuns
        ? [{ data: { values: runs }, mark: { type: 'line', strokeWidth: 0.8, opacity: 0.5, clip: true }, encoding: { x, y: { ...y, field: 'y' }, color: { ...color, legend: null }, detail: { field: 'seed', type: 'nominal' } } }]
        : []),
      { data: { values }, mark: { type: 'line', strokeWidth: 2.2, clip: true }, encoding: { x, y, color, strokeDash } },
    ],
    // One colour scale for all layers, but the legend from the mean lines only (it shows their dashes).
    resolve: { legend: { color: 'independent', strokeDash: 'independent' } },
  } as TopLevelSpec;
}

/** One cell of a heatmap. */
export interface Cell {
  x: string | number;
  y: string | number;
  value: number;
}

export interface HeatmapOptions extends Omit<ChartOptions, 'xLog' | 'yLog' | 'xRange' | 'yRange' | 'legendTitle'> {
  /** The colour legend's title, with the unit (e.g. 'Δ' or 'accuracy (%)'). */
  valueLabel: string;
  /** A diverging scheme centred on this value (e.g. 0 for a change, Δ of a difference); default a sequential scheme. */
  midpoint?: number;
  /** The colour scale's range; default the data's. */
  valueRange?: [number, number];
  /** Print each cell's value (for small grids), formatted with this d3-format string, e.g. '.2f'. */
  labelFormat?: string;
}

/**
 * A heatmap of `rect` marks: x and y as ordered categories (positions, channels, lengths,
 * settings), in the order they first appear, colour by value.
 */
export function heatmap(cells: Cell[], o: HeatmapOptions): TopLevelSpec {
  const order = (key: 'x' | 'y') => [...new Set(cells.map((c) => c[key]))];
  const x = { field: 'x', type: 'ordinal', title: o.xLabel, sort: order('x'), axis: { labelAngle: 0, labelOverlap: 'parity' } } as const;
  const y = { field: 'y', type: 'ordinal', title: o.yLabel, sort: order('y') } as const;
  const colorScale =
    o.midpoint !== undefined ? { scheme: 'redblue', reverse: true, domainMid: o.midpoint, ...(o.valueRange ? { domain: o.valueRange } : {}) } : { scheme: 'viridis', ...(o.valueRange ? { domain: o.valueRange } : {}) };
  const rect = { mark: { type: 'rect' }, encoding: { x, y, color: { field: 'value', type: 'quantitative', title: o.valueLabel, scale: colorScale } } };
  // Label ink: white on the dark ends of the scale (viridis' low end, both ends of red–blue), else black.
  const vals = cells.map((c) => c.value).filter(Number.isFinite);
  const [lo, hi] = o.valueRange ?? [Math.min(...vals), Math.max(...vals)];
  const dark = (v: number) =>
    o.midpoint !== undefined ? Math.abs(v - o.midpoint) > 0.6 * Math.max(hi - o.midpoint, o.midpoint - lo) : (v - lo) / (hi - lo || 1) < 0.45;
  const values = cells.map((c) => ({ ...c, ink: dark(c.value) ? 'white' : 'black' }));
  const text = o.labelFormat
    ? [{ mark: { type: 'text', fontSize: 11 }, encoding: { x, y, text: { field: 'value', type: 'quantitative', format: o.labelFormat }, color: { condition: { test: "datum.ink === 'white'", value: 'white' }, value: 'black' } } }]
    : [];
  return { ...frame(o), data: { values }, layer: [rect, ...text] } as TopLevelSpec;
}
