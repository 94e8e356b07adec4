// Writes the LRA ListOps splits as the release's TSV files (after `npm run build`):
//   node scripts/listops-tsv.mjs DIR [--seed N] [--train N --val N --test N]
// Defaults: seed 0, 96000 / 2000 / 2000. See src/data/listops.ts and listops_tsv.ts.
import { writeListOpsTsv } from '../dist/src/data/listops_tsv.js';

const args = process.argv.slice(2);
const dir = args[0];
if (!dir || dir.startsWith('--')) {
  console.error('usage: node scripts/listops-tsv.mjs DIR [--seed N] [--train N --val N --test N]');
  process.exit(2);
}
const num = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a whole number (got ${args[i + 1]})`);
  return v;
};
const t0 = performance.now();
const sizes = { train: num('--train', 96_000), val: num('--val', 2_000), test: num('--test', 2_000) };
const written = writeListOpsTsv(dir, { seed: num('--seed', 0), sizes });
console.log(`wrote ${written.join(', ')} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
