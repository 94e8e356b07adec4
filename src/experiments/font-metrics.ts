// Text widths from a TrueType font's own tables, for Vega's layout in Node. Without a canvas Vega
// estimates a string as 0.8 × font size per character, a third wider than DejaVu Sans: titles then
// float above the plot and legends take too much room. Reading each glyph's advance width (the
// 'cmap' table maps a character to a glyph, 'hmtx' gives its advance) makes the SVG's layout match
// the font resvg draws the PNG with. Kerning is ignored (a pixel or two on a long title).

import { readFileSync } from 'node:fs';

export interface FontMetrics {
  /** The advance width of `text` at `fontSize` pixels. */
  width(text: string, fontSize: number): number;
}

export function loadFontMetrics(path: string): FontMetrics {
  const buf = readFileSync(path);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const u16 = (at: number) => view.getUint16(at);
  const tables = new Map<string, number>();
  for (let i = 0, n = u16(4); i < n; i++) {
    const rec = 12 + 16 * i;
    tables.set(buf.toString('latin1', rec, rec + 4), view.getUint32(rec + 8));
  }
  const table = (tag: string) => {
    const at = tables.get(tag);
    if (at === undefined) throw new Error(`${path}: no '${tag}' table: not a TrueType font with horizontal metrics`);
    return at;
  };
  const unitsPerEm = u16(table('head') + 18);
  const numberOfHMetrics = u16(table('hhea') + 34);
  const hmtx = table('hmtx');
  // Glyphs past numberOfHMetrics share the last advance (monospaced tails).
  const advance = (glyph: number) => u16(hmtx + 4 * Math.min(glyph, numberOfHMetrics - 1));

  // cmap: the Unicode BMP subtable in format 4 (segments of consecutive character codes).
  const cmap = table('cmap');
  let sub = -1;
  for (let i = 0, n = u16(cmap + 2); i < n; i++) {
    const rec = cmap + 4 + 8 * i;
    const [platform, encoding] = [u16(rec), u16(rec + 2)];
    const at = cmap + view.getUint32(rec + 4);
    if (((platform === 3 && encoding === 1) || platform === 0) && u16(at) === 4) sub = at;
  }
  if (sub < 0) throw new Error(`${path}: no Unicode cmap subtable in format 4`);
  const segs = u16(sub + 6) / 2;
  const ends = sub + 14;
  const starts = ends + 2 * segs + 2;
  const deltas = starts + 2 * segs;
  const rangeOffsets = deltas + 2 * segs;
  const glyphOf = (code: number): number => {
    for (let i = 0; i < segs; i++) {
      if (u16(ends + 2 * i) < code) continue;
      const start = u16(starts + 2 * i);
      if (start > code) return 0;
      const delta = u16(deltas + 2 * i);
      const ro = u16(rangeOffsets + 2 * i);
      if (ro === 0) return (code + delta) & 0xffff;
      const g = u16(rangeOffsets + 2 * i + ro + 2 * (code - start));
      return g === 0 ? 0 : (g + delta) & 0xffff;
    }
    return 0;
  };

  const cache = new Map<number, number>();
  const advanceOf = (code: number) => {
    let a = cache.get(code);
    if (a === undefined) cache.set(code, (a = advance(glyphOf(code)) / unitsPerEm));
    return a;
  };
  return {
    width(text, fontSize) {
      let em = 0;
      for (const ch of text) em += advanceOf(ch.codePointAt(0)!);
      return em * fontSize;
    },
  };
}
