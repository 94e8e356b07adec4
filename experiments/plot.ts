// A tiny dependency-free line-plot writer: SVG with axes, ticks at round numbers, grid lines,
// one polyline per series and a legend. Enough for training curves in docs/results/.

import { spawnSync } from 'node:child_process';

export interface Series {
  label: string;
  points: Array<[number, number]>; // (x, y), drawn in order
  color?: string;
  dashed?: boolean;
}

export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Axis ranges; default: the data's, y padded by 5 %. */
  xRange?: [number, number];
  yRange?: [number, number];
  width?: number;
  height?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** About `count` ticks at 1, 2 or 5 × 10^k steps covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(6)));
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function linePlotSvg(series: Series[], o: PlotOptions): string {
  const W = o.width ?? 720;
  const H = o.height ?? 420;
  const m = { left: 64, right: 190, top: 40, bottom: 52 }; // the legend sits in the right margin
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const span = (vals: number[]): [number, number] => (vals.length ? [Math.min(...vals), Math.max(...vals)] : [0, 1]);
  const [x0, x1] = o.xRange ?? span(all.map((p) => p[0]));
  let [y0, y1] = o.yRange ?? span(all.map((p) => p[1]));
  if (!o.yRange) {
    const pad = (y1 - y0 || 1) * 0.05;
    [y0, y1] = [y0 - pad, y1 + pad];
  }
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0 || 1)) * pw;
  const sy = (y: number) => m.top + ph - ((y - y0) / (y1 - y0 || 1)) * ph;
  const n = (v: number) => v.toFixed(1);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${n(m.left + pw / 2)}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>`);
  for (const t of niceTicks(x0, x1)) {
    if (t < x0 || t > x1) continue;
    out.push(`<line x1="${n(sx(t))}" y1="${m.top}" x2="${n(sx(t))}" y2="${m.top + ph}" stroke="#e5e5e5"/>`);
    out.push(`<line x1="${n(sx(t))}" y1="${m.top + ph}" x2="${n(sx(t))}" y2="${m.top + ph + 5}" stroke="black"/>`);
    out.push(`<text x="${n(sx(t))}" y="${m.top + ph + 18}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of niceTicks(y0, y1)) {
    if (t < y0 || t > y1) continue;
    out.push(`<line x1="${m.left}" y1="${n(sy(t))}" x2="${m.left + pw}" y2="${n(sy(t))}" stroke="#e5e5e5"/>`);
    out.push(`<line x1="${m.left - 5}" y1="${n(sy(t))}" x2="${m.left}" y2="${n(sy(t))}" stroke="black"/>`);
    out.push(`<text x="${m.left - 8}" y="${n(sy(t) + 4)}" text-anchor="end">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="black"/>`);
  out.push(`<text x="${n(m.left + pw / 2)}" y="${H - 12}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${n(m.top + ph / 2)}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);

  series.forEach((s, i) => {
    const color = s.color ?? COLORS[i % COLORS.length];
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length > 0) {
      // Clipped to the plot area so that a diverging run does not draw over the axes.
      const d = pts.map(([x, y]) => `${n(sx(x))},${n(Math.min(Math.max(sy(y), m.top), m.top + ph))}`).join(' ');
      out.push(`<polyline points="${d}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    }
    const ly = m.top + 12 + i * 20;
    const lx = m.left + pw + 14;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${lx + 30}" y="${ly + 4}">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Renders an SVG to PNG beside it with ImageMagick (the real one, not a stand-in); null without it. */
export function svgToPng(svg: string): string | null {
  const png = svg.replace(/\.svg$/, '.png');
  for (const cmd of ['magick', '/usr/bin/convert', 'convert']) {
    const version = spawnSync(cmd, ['-version'], { encoding: 'utf8' });
    if (version.status !== 0 || !/^Version: ImageMagick/m.test(version.stdout)) continue;
    const r = spawnSync(cmd, ['-density', '192', svg, '-resize', '50%', '-depth', '8', png], { encoding: 'utf8' });
    if (r.status === 0) return png;
  }
  return null;
}
