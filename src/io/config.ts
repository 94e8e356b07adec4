// config.json files: read and written whole, atomically; the config itself (its keys, defaults and
// validation, per model_type) is the models layer's (src/models/config.ts).
//
// Python's json module writes the non-finite floats Infinity, -Infinity and NaN bare, which JSON
// (and JSON.parse) does not allow: transformers 4 saves Mamba2Config's default time_step_limit as
// `[0.0, Infinity]`. They are read here as transformers 5 writes them, {"__float__": "Infinity"},
// and written that way too (a default time_step_limit is left out, so every transformers reads it).

import fs from 'node:fs';
import { writeFileAtomic } from './atomic.js';
import { modelConfig, parseConfig, type ModelConfig } from '../models/config.js';
import { configText, parsePythonJson } from './config_text.js';

export { configText, nonFiniteAsPython, parsePythonJson } from './config_text.js';

export function readConfig(path: string): ModelConfig {
  if (!fs.existsSync(path)) throw new Error(`${path}: file not found`);
  return parseConfig(parsePythonJson(fs.readFileSync(path, 'utf8'), path), path);
}

export function writeConfig(path: string, cfg: ModelConfig): void {
  writeFileAtomic(path, configText(modelConfig(cfg, path)));
}
