// Vega-Lite specs (the project's builders in src/experiments/plot.ts, and the lab's own in views.ts)
// drawn into the page with the vega runtime, which is what vega-embed wraps: compile to Vega,
// parse, render on a canvas. A container holds one chart; drawing again replaces it.

import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

const views = new WeakMap<HTMLElement, vega.View>();

/** Draws `spec` into `el` (replacing what was there); resolves once it is on screen. */
export async function draw(el: HTMLElement, spec: TopLevelSpec): Promise<vega.View> {
  views.get(el)?.finalize();
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'canvas', container: el, hover: true });
  views.set(el, view);
  await view.runAsync();
  return view;
}

/** Width for a chart's plot area in `el`: its box less room for axes and legend, at least 240 px. */
export function plotWidth(el: HTMLElement, reserve = 140): number {
  return Math.max(240, Math.min(1000, (el.clientWidth || 600) - reserve));
}
