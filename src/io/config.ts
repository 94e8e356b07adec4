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

export function readConfig(path: string): ModelConfig {
  if (!fs.existsSync(path)) throw new Error(`${path}: file not found`);
  return parseConfig(parsePythonJson(fs.readFileSync(path, 'utf8'), path), path);
}

export function writeConfig(path: string, cfg: ModelConfig): void {
  writeFileAtomic(path, configText(modelConfig(cfg, path)));
}

/** A validated config as config.json's text. */
export function configText(config: ModelConfig): string {
  const out: Record<string, unknown> = { ...config };
  if (config.model_type === 'mamba2' && config.time_step_limit[0] === 0 && config.time_step_limit[1] === Infinity) delete out.time_step_limit;
  return JSON.stringify(out, nonFiniteAsPython, 2) + '\n';
}

/** A JSON.stringify replacer writing Infinity, -Infinity and NaN as transformers 5 does (JSON has no such numbers). */
export function nonFiniteAsPython(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? { __float__: String(v) } : v;
}

/**
 * JSON text as Python writes it: bare Infinity, -Infinity and NaN outside strings become
 * {"__float__": "..."} before JSON.parse. Errors name `label`.
 */
export function parsePythonJson(text: string, label: string): unknown {
  const parts: string[] = [];
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      continue;
    }
    const word = /^(-?Infinity|NaN)/.exec(text.slice(i, i + 9));
    if (word) {
      parts.push(text.slice(from, i), `{"__float__": "${word[1]}"}`);
      i += word[1].length - 1;
      from = i + 1;
    }
  }
  parts.push(text.slice(from));
  try {
    return JSON.parse(parts.join(''));
  } catch (err) {
    throw new Error(`${label}: invalid JSON (${(err as Error).message})`);
  }
}
