// config.json's text, both ways, without a file system (the browser lab reads and writes folders
// too): Python's non-finite floats are read as transformers 5 writes them, {"__float__": "Infinity"},
// and written that way (src/io/config.ts says why).

import type { ModelConfig } from '../models/config.js';

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
