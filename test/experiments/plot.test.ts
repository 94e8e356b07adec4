// The plots of docs/results: the spec builders give Vega-Lite that compiles, with log scales,
// error bands and heatmap cells where asked; the SVG carries the titles; the PNG is a PNG and its
// text is drawn with the shipped font (resvg draws none without a font).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile } from 'vega-lite';
import { lineChart, bandChart, bandRows, heatmap, Series } from '../../src/experiments/plot.js';
import { specToSvg, svgToPng } from '../../src/experiments/render.js';
import { loadFontMetrics } from '../../src/experiments/font-metrics.js';
import { FONT_FILES } from '../../src/experiments/render.js';

const curves: Series[] = [
  { label: 'Mamba', points: [[1e3, 3.1], [1e4, 2.4], [1e5, 1.9]] },
  { label: 'Transformer++', points: [[1e3, 3.3], [1e4, 2.6], [1e5, NaN]], dashed: true },
];
const scaling = lineChart(curves, { title: 'Scaling', xLabel: 'parameters', yLabel: 'bits per character', xLog: true, yLog: true });

/** The Vega scales a spec compiles to, by name. */
function scales(spec: ReturnType<typeof lineChart>): Map<string, { type?: string }> {
  const vg = compile(spec).spec as { scales?: Array<{ name: string; type?: string }> };
  return new Map((vg.scales ?? []).map((s) => [s.name, s]));
}

test('lineChart compiles to Vega with log x and y scales when asked, and leaves non-finite points out', () => {
  const s = scales(scaling);
  assert.equal(s.get('x')?.type, 'log');
  assert.equal(s.get('y')?.type, 'log');
  assert.equal(scales(lineChart(curves, { title: 't', xLabel: 'step', yLabel: 'loss' })).get('x')?.type, 'linear');
  const values = (scaling as { data: { values: unknown[] } }).data.values;
  assert.equal(values.length, 5, 'the NaN point is dropped');
  assert.throws(() => lineChart([curves[0], curves[0]], { title: 't', xLabel: 'x', yLabel: 'y' }), /labels must be unique/);
});

test('the spec builders import nothing at run time, so the browser loads the same file', () => {
  const js = readFileSync(fileURLToPath(new URL('../../src/experiments/plot.js', import.meta.url)), 'utf8');
  assert.doesNotMatch(js, /^\s*import\s/m);
  assert.deepEqual(JSON.parse(JSON.stringify(scaling)), scaling, 'a spec is plain JSON data');
});

test('bandRows gives the mean and min–max (or ± s.d.) at the x values every seed has', () => {
  const group = { label: 'g', runs: [[[0, 1], [1, 2], [2, 9]], [[0, 3], [1, 4]]] as Array<Array<[number, number]>> };
  assert.deepEqual(bandRows(group), [{ x: 0, mean: 2, lo: 1, hi: 3 }, { x: 1, mean: 3, lo: 2, hi: 4 }]);
  const sd = Math.SQRT2; // sample s.d. of {1, 3}
  assert.deepEqual(bandRows(group, 'stdev')[0], { x: 0, mean: 2, lo: 2 - sd, hi: 2 + sd });
});

test('bandChart draws an errorband under each mean line and compiles', () => {
  const spec = bandChart(
    [
      { label: 'Mamba', runs: [[[0, 10], [100, 80]], [[0, 12], [100, 90]]] },
      { label: 'S4D', runs: [[[0, 11], [100, 20]], [[0, 9], [100, 30]]], dashed: true },
    ],
    { title: 'Accuracy over seeds', xLabel: 'step', yLabel: 'accuracy (%)', showRuns: true },
  ) as { layer: Array<{ mark: { type: string } }> };
  assert.deepEqual(spec.layer.map((l) => l.mark.type), ['errorband', 'line', 'line']);
  assert.ok(compile(spec as ReturnType<typeof lineChart>).spec);
});

test('heatmap compiles to rect marks with one cell per value and labels when asked', () => {
  const cells = [0, 1, 2].flatMap((x) => ['a', 'b'].map((y) => ({ x, y, value: x - 1 })));
  const spec = heatmap(cells, { title: 'Δ', xLabel: 'position', yLabel: 'channel', valueLabel: 'Δ', midpoint: 0, labelFormat: '.1f' }) as {
    data: { values: unknown[] };
    layer: Array<{ mark: { type: string } }>;
  };
  assert.equal(spec.data.values.length, 6);
  assert.deepEqual(spec.layer.map((l) => l.mark.type), ['rect', 'text']);
  const vg = compile(spec as ReturnType<typeof lineChart>).spec as { marks: Array<{ type: string }> };
  assert.ok(vg.marks.some((m) => m.type === 'rect'));
});

test('the SVG carries the chart title, both axis titles and the legend labels', async () => {
  const svg = await specToSvg(scaling);
  assert.match(svg, /^<svg/);
  for (const text of ['Scaling', 'parameters', 'bits per character', 'Mamba', 'Transformer++']) assert.ok(svg.includes(`>${text}</text>`), text);
});

test('the PNG is a PNG and its text is drawn in the shipped font (and would not be without it)', async () => {
  const png = svgToPng(await specToSvg(scaling), { scale: 1 });
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const withText = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30"><text x="4" y="20" font-family="sans-serif" font-size="14">λ bits</text></svg>';
  const noText = withText.replace(/<text.*<\/text>/, '');
  assert.notDeepEqual(svgToPng(withText, { scale: 1 }), svgToPng(noText, { scale: 1 }), 'text drawn with the shipped font');
  assert.deepEqual(svgToPng(withText, { scale: 1, fontFiles: [] }), svgToPng(noText, { scale: 1, fontFiles: [] }), 'no font, no text');
});

test('font metrics read from DejaVu Sans: widths in em that match the font (digits 0.636 em, bold wider)', () => {
  const [regular, bold] = FONT_FILES.map(loadFontMetrics);
  assert.ok(Math.abs(regular.width('0123456789', 10) - 63.6) < 0.1, String(regular.width('0123456789', 10)));
  assert.ok(bold.width('held-out loss', 13) > regular.width('held-out loss', 13));
  assert.ok(regular.width('λΔγ≥', 12) > 0, 'Greek and maths signs have glyphs');
});
