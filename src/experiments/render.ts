// Renders the Vega-Lite specs of src/experiments/plot.ts in Node: SVG with the `vega` runtime (no
// canvas: text widths come from the font's tables, see font-metrics.ts), PNG with resvg. resvg loads no system
// fonts here and draws text only in a font it is given, so DejaVu Sans ships as an npm package
// (dejavu-fonts-ttf): the PNG looks the same on a fresh machine with no fonts installed, and
// DejaVu has the Greek and maths signs our labels use (λ, Δ, γ, ≥).

import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import { loadFontMetrics } from './font-metrics.js';

const fontDir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
/** Regular for labels, bold for titles (Vega's default title and axis-title weight). */
export const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => join(fontDir, f));
const FONT_FAMILY = 'DejaVu Sans';

// Vega's hook for a text measure of one's own (its scenegraph calls textMetrics.width when set);
// not in its type declarations. A `limit` caps the width: Vega truncates such text to it.
const [regular, bold] = FONT_FILES.map(loadFontMetrics);
interface TextItem { fontSize?: number; fontWeight?: string | number; limit?: number }
(vega as unknown as { textMetrics: { width: (item: TextItem, text: string) => number } }).textMetrics.width = (item, text) => {
  const size = item.fontSize ?? 11; // Vega's default
  const weight = item.fontWeight;
  const w = (weight === 'bold' || Number(weight) >= 600 ? bold : regular).width(String(text ?? '').trim(), size);
  return item.limit && item.limit > 0 ? Math.min(w, item.limit) : w;
};

/** The chart as an SVG document. */
export async function specToSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * An SVG as PNG bytes at `scale` × its size (2: sharp on high-density screens), text in DejaVu
 * Sans whatever family the SVG names. `fontFiles: []` renders without any font (text is then not
 * drawn: the tests use it to show that the shipped font is what draws the text).
 */
export function svgToPng(svg: string, { scale = 2, fontFiles = FONT_FILES }: { scale?: number; fontFiles?: string[] } = {}): Buffer {
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: { fontFiles, loadSystemFonts: false, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
  });
  return resvg.render().asPng();
}

/** Writes <base>.svg and <base>.png; returns the paths written. */
export async function writePlot(spec: TopLevelSpec, base: string): Promise<string[]> {
  const svg = await specToSvg(spec);
  writeFileSync(`${base}.svg`, svg);
  writeFileSync(`${base}.png`, svgToPng(svg));
  return [`${base}.svg`, `${base}.png`];
}
