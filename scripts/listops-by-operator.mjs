// What a trained ListOps classifier has learned, by root operator (after `npm run build`):
//   node scripts/listops-by-operator.mjs MODEL_DIR... [--train-size N] [--data-seed S]
// On the test split that `mamba-ts experiment listops` and `task listops` use (data seed 0; the
// training split, of --train-size examples, only fits the root-operator baseline): the model's
// accuracy per root operator (MIN, MAX, MED, SM, the first token), and how often its answer is
// the root-operator baseline's (src/data/listops.ts: each operator's most frequent training
// value). A model that agrees nearly always and scores the baseline's accuracy has learned which
// operator the expression applies, not what its arguments are.
import { loadClassifier } from '../dist/src/io/classifier_folder.js';
import { listOpsData } from '../dist/src/cli/task_listops.js';
import { OPERATORS, LISTOPS_VOCAB, rootOperatorBaseline } from '../dist/src/data/listops.js';
import { listOpsBatch } from '../dist/src/train/listops_trainer.js';
import { noGrad } from '../dist/src/autograd/tape.js';
import { initBackend } from '../dist/src/kernels/index.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a whole number ≥ 1 (got ${args[i + 1]})`);
  return v;
};
const trainSize = option('--train-size', 96_000);
const dataSeed = option('--data-seed', 0);
const dirs = args.filter((a, i) => !a.startsWith('--') && !['--train-size', '--data-seed'].includes(args[i - 1]));
if (dirs.length === 0) {
  console.error('usage: node scripts/listops-by-operator.mjs MODEL_DIR... [--train-size N] [--data-seed S]');
  process.exit(2);
}
await initBackend();
const data = listOpsData(trainSize, dataSeed);
const rule = rootOperatorBaseline(data.train, data.test);
const rootOf = (i) => OPERATORS[data.test.tokens(i)[0] - LISTOPS_VOCAB.indexOf('[MIN')]; // the first token: [MIN, [MAX, [MED or [SM
console.log(`root-operator baseline (fitted on ${trainSize.toLocaleString()} training examples): ${(100 * rule.accuracy).toFixed(1)} % test · answers ${JSON.stringify(rule.answers)}`);

for (const dir of dirs) {
  const model = loadClassifier(dir);
  const C = model.config.num_labels;
  const right = Object.fromEntries(OPERATORS.map((op) => [op, [0, 0]])); // [correct, count]
  let agree = 0;
  noGrad(() => {
    for (let i = 0; i < data.test.size; i += 16) {
      const rows = Array.from({ length: Math.min(16, data.test.size - i) }, (_, k) => i + k);
      const b = listOpsBatch(data.test, rows);
      const logits = model.forward(b.inputs, b.batch, b.length).data; // [B, C]
      rows.forEach((ex, r) => {
        const row = logits.subarray(r * C, (r + 1) * C);
        const answer = row.indexOf(Math.max(...row));
        const op = rootOf(ex);
        right[op][0] += answer === data.test.target(ex) ? 1 : 0;
        right[op][1]++;
        if (answer === rule.answers[op]) agree++;
      });
    }
  });
  const total = OPERATORS.reduce((a, op) => a + right[op][0], 0);
  console.log(
    `${dir}: ${(100 * total / data.test.size).toFixed(1)} % test · ${OPERATORS.map((op) => `${op} ${(100 * right[op][0] / right[op][1]).toFixed(1)} % of ${right[op][1]}`).join(' · ')} · ` +
      `the baseline's answer ${(100 * agree / data.test.size).toFixed(1)} % of the time`,
  );
}
