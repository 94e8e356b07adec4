// A sequence classifier's folder, in the Hugging Face layout of *ForSequenceClassification:
//   config.json        the backbone's config + architectures, num_labels, pad_token_id,
//                      classifier_pooling ('last' when absent, as Hugging Face pools)
//   model.safetensors  backbone.* or model.* (the causal model's names) and score.weight [C, D]
// Written with the same atomic writes as checkpoints; no tokenizer (ListOps ids are fixed:
// src/data/listops.ts) and no training state (task runs are not resumed).

import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { loadSafetensors, saveSafetensors } from './safetensors.js';
import { parseConfig } from '../models/config.js';
import { SequenceClassifier, classifierArchitecture, CLASSIFIER_POOLINGS, type ClassifierPooling } from '../models/classifier.js';

export function saveClassifier(dir: string, model: SequenceClassifier): void {
  fs.mkdirSync(dir, { recursive: true });
  saveSafetensors(path.join(dir, 'model.safetensors'), model.weights(), { format: 'pt' });
  writeFileAtomic(path.join(dir, 'config.json'), JSON.stringify(model.config, null, 2) + '\n');
}

/** True when `dir`/config.json names a sequence-classification architecture. */
export function isClassifierFolder(dir: string): boolean {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) return false;
  const arch = (JSON.parse(fs.readFileSync(file, 'utf8')) as { architectures?: unknown }).architectures;
  return Array.isArray(arch) && typeof arch[0] === 'string' && arch[0].endsWith('ForSequenceClassification');
}

export function loadClassifier(dir: string): SequenceClassifier {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) throw new Error(`${file}: file not found (is --model a classifier folder?)`);
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  const { num_labels: numLabels, pad_token_id: padId } = raw;
  if (typeof numLabels !== 'number' || typeof padId !== 'number') throw new Error(`${file}: a classifier's config needs num_labels and pad_token_id (numbers), got ${JSON.stringify({ num_labels: numLabels, pad_token_id: padId })}`);
  const pooling = raw.classifier_pooling ?? 'last';
  if (!CLASSIFIER_POOLINGS.includes(pooling as ClassifierPooling)) throw new Error(`${file}: classifier_pooling must be one of ${CLASSIFIER_POOLINGS.map((p) => `"${p}"`).join(', ')}, got ${JSON.stringify(pooling)}`);
  const base = parseConfig({ ...raw, architectures: undefined, classifier_pooling: undefined }, file);
  const model = new SequenceClassifier(base, { numLabels, padId, pooling: pooling as ClassifierPooling });
  if ((raw.architectures as string[] | undefined)?.[0] !== classifierArchitecture(base)) {
    throw new Error(`${file}: architectures ${JSON.stringify(raw.architectures)} does not match model_type ${base.model_type} (expected ["${classifierArchitecture(base)}"])`);
  }
  const weights = path.join(dir, 'model.safetensors');
  try {
    model.loadWeights(loadSafetensors(weights).tensors);
  } catch (err) {
    throw new Error(`${weights} does not fit ${file}: ${(err as Error).message}`);
  }
  return model;
}
