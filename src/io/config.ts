// config.json files: read and written whole, atomically; the config itself (its keys, defaults and
// validation, per model_type) is the models layer's (src/models/config.ts).

import fs from 'node:fs';
import { writeJsonAtomic } from './atomic.js';
import { modelConfig, parseConfig, type ModelConfig } from '../models/config.js';

export function readConfig(path: string): ModelConfig {
  if (!fs.existsSync(path)) throw new Error(`${path}: file not found`);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: invalid JSON (${(err as Error).message})`);
  }
  return parseConfig(json, path);
}

export function writeConfig(path: string, cfg: ModelConfig): void {
  writeJsonAtomic(path, modelConfig(cfg, path));
}
