// A model folder as the server uses it: the model and tokenizer (src/io/model_folder.ts), the chat
// template and special tokens of tokenizer_config.json, the end-of-text ids that stop generation,
// and the name clients ask for.

import fs from 'node:fs';
import path from 'node:path';
import type { WeightFormat } from '../kernels/weight_format.js';
import { loadModelFolder } from '../io/model_folder.js';
import { parsePythonJson } from '../io/config.js';
import type { Tokenizer } from '../data/tokenizer.js';
import { ChatTemplate, DEFAULT_CHAT_TEMPLATE, DEFAULT_TURN_END } from './chat_template.js';
import { asStepModel, type StepModel } from './step_model.js';

export interface ServedModel {
  /** The id of GET /v1/models; requests must name it. */
  name: string;
  model: StepModel;
  tokenizer: Tokenizer;
  chat: ChatTemplate;
  /** Stop sequences every chat request adds (the default template's turn end). */
  chatStops: string[];
  /** Token ids that end generation (the tokenizer's eos_token, config.json's eos_token_id). */
  eosIds: Set<number>;
}

type Json = Record<string, unknown>;

/** config.json as Python writes it: a Mamba-2 conversion's time_step_limit holds a bare Infinity. */
function readJson(file: string): Json {
  if (!fs.existsSync(file)) return {};
  return parsePythonJson(fs.readFileSync(file, 'utf8'), file) as Json;
}

/** A special token as tokenizer_config.json writes it: a string or {"content": string}. */
function tokenText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as Json).content === 'string') return (v as Json).content as string;
  return undefined;
}

/** The template source and where it came from, or null. A list of named templates gives its "default". */
function templateSource(dir: string, tc: Json): [string, string] | null {
  const t = tc.chat_template;
  if (typeof t === 'string') return [t, 'tokenizer_config.json'];
  if (Array.isArray(t)) {
    const d = t.find((x) => (x as Json)?.name === 'default') as Json | undefined;
    if (d && typeof d.template === 'string') return [d.template, 'tokenizer_config.json (default)'];
  }
  const file = path.join(dir, 'chat_template.jinja');
  if (fs.existsSync(file)) return [fs.readFileSync(file, 'utf8'), 'chat_template.jinja'];
  return null;
}

/** The folder's model, its matrices kept in `weights` from the file on (src/nn/packed.ts; default f32). */
export function loadServedModel(dir: string, opts: { name?: string; weights?: WeightFormat } = {}): ServedModel {
  const { model, tokenizer } = loadModelFolder(dir, { requireTokenizer: true, weights: opts.weights });
  const tc = readJson(path.join(dir, 'tokenizer_config.json'));
  const config = readJson(path.join(dir, 'config.json'));
  const tokens: Record<string, string> = {};
  for (const key of ['bos_token', 'eos_token', 'pad_token', 'unk_token']) {
    const text = tokenText(tc[key]);
    if (text !== undefined) tokens[key] = text;
  }
  const eosIds = new Set<number>();
  if (tokens.eos_token) {
    const ids = tokenizer!.encode(tokens.eos_token);
    if (ids.length === 1) eosIds.add(ids[0]);
  }
  for (const id of [config.eos_token_id].flat()) if (Number.isInteger(id)) eosIds.add(id as number);
  const source = templateSource(dir, tc);
  return {
    name: opts.name ?? path.basename(path.resolve(dir)),
    model: asStepModel(model),
    tokenizer: tokenizer!,
    chat: source ? new ChatTemplate(source[0], `${dir}/${source[1]}`, tokens) : new ChatTemplate(DEFAULT_CHAT_TEMPLATE, 'the default ChatML template', tokens),
    chatStops: source ? [] : [DEFAULT_TURN_END],
    eosIds,
  };
}
