// The request bodies of POST /v1/completions and /v1/chat/completions, checked field by field as
// OpenAI documents them and turned into one plain request. A field we accept but cannot honour
// with the given value (logprobs, suffix, tools, ...) is a 400 naming it, never silently ignored;
// an unknown field is a 400 too, as OpenAI answers "Unrecognized request argument supplied".
// Extensions, as llama.cpp and vLLM accept them: top_k.

import { invalid } from './errors.js';

export interface SamplingParams {
  /** Tokens to generate at most per choice. */
  maxTokens: number;
  /** 0 = greedy. */
  temperature: number;
  topP: number;
  /** 0 = off. */
  topK: number;
  /** Undefined: a fresh random seed per request. */
  seed?: number;
  stop: string[];
  presencePenalty: number;
  frequencyPenalty: number;
  /** token id → added to its logit (−100 bans it, +100 forces it). */
  logitBias: Map<number, number>;
  /** Choices per prompt. */
  n: number;
}

export interface ChatMessage {
  role: string;
  content: string;
  name?: string;
}

interface Common {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  sampling: SamplingParams;
}

export interface CompletionRequest extends Common {
  kind: 'completion';
  /** Text or token ids, one per prompt. */
  prompts: (string | number[])[];
  echo: boolean;
}

export interface ChatRequest extends Common {
  kind: 'chat';
  messages: ChatMessage[];
}

export type ApiRequest = CompletionRequest | ChatRequest;

/** What a request may ask for at most (the server's options). */
export interface RequestLimits {
  /** Largest max_tokens. */
  maxTokens: number;
  /** Largest number of choices (prompts × n) in one request. */
  maxChoices: number;
  /** max_tokens of a chat request that gives none (OpenAI: as many as the context allows). */
  chatMaxTokens: number;
}

type Body = Record<string, unknown>;

const COMMON_FIELDS = [
  'model', 'max_tokens', 'temperature', 'top_p', 'n', 'stream', 'stream_options', 'stop', 'seed',
  'presence_penalty', 'frequency_penalty', 'logit_bias', 'logprobs', 'user', 'top_k',
];
const COMPLETION_FIELDS = new Set([...COMMON_FIELDS, 'prompt', 'echo', 'best_of', 'suffix']);
const CHAT_FIELDS = new Set([
  ...COMMON_FIELDS, 'messages', 'max_completion_tokens', 'top_logprobs', 'response_format', 'tools', 'tool_choice',
  'parallel_tool_calls', 'store', 'metadata', 'service_tier', 'modalities',
]);
const ROLES = ['system', 'developer', 'user', 'assistant', 'tool'];
const MESSAGE_FIELDS = new Set(['role', 'content', 'name', 'tool_calls', 'tool_call_id', 'refusal']);

const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** The field's value, or undefined when absent or null (OpenAI treats null as "use the default"). */
function get(body: Body, key: string): unknown {
  return body[key] === null ? undefined : body[key];
}

function num(body: Body, key: string, lo: number, hi: number, dflt: number): number {
  const v = get(body, key);
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(key, `expected a number, got ${describe(v)}`, 'invalid_type');
  if (v < lo || v > hi) throw invalid(key, `${v} is out of range [${lo}, ${hi}]`, 'invalid_value');
  return v;
}

function int(body: Body, key: string, lo: number, hi: number, dflt: number): number {
  const v = get(body, key);
  if (v === undefined) return dflt;
  if (!isInt(v)) throw invalid(key, `expected an integer, got ${typeof v === 'number' ? v : describe(v)}`, 'invalid_type');
  if (v < lo || v > hi) throw invalid(key, `${v} is out of range [${lo}, ${hi}]`, 'invalid_value');
  return v;
}

function bool(body: Body, key: string, dflt: boolean): boolean {
  const v = get(body, key);
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw invalid(key, `expected true or false, got ${describe(v)}`, 'invalid_type');
  return v;
}

function str(body: Body, key: string): string | undefined {
  const v = get(body, key);
  if (v !== undefined && typeof v !== 'string') throw invalid(key, `expected a string, got ${describe(v)}`, 'invalid_type');
  return v;
}

function checkFields(body: Body, known: Set<string>): void {
  for (const key of Object.keys(body)) {
    if (!known.has(key)) throw invalid(key, `unrecognized request argument (known: ${[...known].sort().join(', ')})`, 'unknown_parameter');
  }
}

function stops(body: Body): string[] {
  const v = get(body, 'stop');
  if (v === undefined) return [];
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) throw invalid('stop', `expected a string or an array of strings, got ${describe(v)}`, 'invalid_type');
  if (list.length > 4) throw invalid('stop', `at most 4 sequences, got ${list.length}`, 'invalid_value');
  if (list.some((s) => s === '')) throw invalid('stop', 'a stop sequence must not be empty', 'invalid_value');
  return list;
}

function logitBias(body: Body): Map<number, number> {
  const v = get(body, 'logit_bias');
  const out = new Map<number, number>();
  if (v === undefined) return out;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid('logit_bias', `expected an object {token id: bias}, got ${describe(v)}`, 'invalid_type');
  for (const [key, bias] of Object.entries(v as Body)) {
    if (!/^\d+$/.test(key)) throw invalid('logit_bias', `key ${JSON.stringify(key)} is not a token id`, 'invalid_value');
    if (typeof bias !== 'number' || !(bias >= -100 && bias <= 100)) throw invalid('logit_bias', `bias of token ${key} must be a number in [-100, 100]`, 'invalid_value');
    out.set(Number(key), bias);
  }
  return out;
}

/** The fields both endpoints share. */
function common(body: Body, maxTokensDefault: number, limits: RequestLimits): Common {
  const model = get(body, 'model');
  if (typeof model !== 'string') throw invalid('model', model === undefined ? 'is required' : `expected a string, got ${describe(model)}`, 'invalid_type');
  const stream = bool(body, 'stream', false);
  const options = get(body, 'stream_options');
  let includeUsage = false;
  if (options !== undefined) {
    if (!stream) throw invalid('stream_options', 'only allowed when stream is true', 'invalid_value');
    if (typeof options !== 'object' || Array.isArray(options)) throw invalid('stream_options', `expected an object, got ${describe(options)}`, 'invalid_type');
    checkFields(options as Body, new Set(['include_usage']));
    includeUsage = bool(options as Body, 'include_usage', false);
  }
  if (get(body, 'user') !== undefined) str(body, 'user');
  const topK = int(body, 'top_k', -1, Number.MAX_SAFE_INTEGER, 0);
  const seed = get(body, 'seed') === undefined ? undefined : int(body, 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 0);
  return {
    model,
    stream,
    includeUsage,
    sampling: {
      maxTokens: int(body, 'max_tokens', 0, limits.maxTokens, maxTokensDefault),
      temperature: num(body, 'temperature', 0, 2, 1),
      topP: num(body, 'top_p', 0, 1, 1),
      topK: Math.max(0, topK),
      seed,
      stop: stops(body),
      presencePenalty: num(body, 'presence_penalty', -2, 2, 0),
      frequencyPenalty: num(body, 'frequency_penalty', -2, 2, 0),
      logitBias: logitBias(body),
      n: int(body, 'n', 1, limits.maxChoices, 1),
    },
  };
}

function prompts(body: Body): (string | number[])[] {
  const v = get(body, 'prompt');
  const bad = () => invalid('prompt', `expected a string, an array of strings, an array of token ids or an array of those, got ${describe(v)}`, 'invalid_type');
  if (v === undefined) throw invalid('prompt', 'is required', 'invalid_type');
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v) || v.length === 0) throw bad();
  if (v.every((p) => typeof p === 'string')) return v as string[];
  if (v.every(isInt)) return [v as number[]];
  if (v.every((p) => Array.isArray(p) && p.every(isInt))) return v as number[][];
  throw bad();
}

export function parseCompletion(body: Body, limits: RequestLimits): CompletionRequest {
  checkFields(body, COMPLETION_FIELDS);
  const c = common(body, 16, limits);
  const list = prompts(body);
  if (get(body, 'logprobs') !== undefined) throw invalid('logprobs', 'log probabilities are not supported by this server; leave it out', 'unsupported_value');
  const suffix = str(body, 'suffix');
  if (suffix) throw invalid('suffix', 'insertion (suffix) is not supported by this server', 'unsupported_value');
  const bestOf = int(body, 'best_of', 1, limits.maxChoices, c.sampling.n);
  if (bestOf !== c.sampling.n) throw invalid('best_of', 'only best_of = n is supported (choices are not ranked)', 'unsupported_value');
  if (list.length * c.sampling.n > limits.maxChoices) {
    throw invalid('n', `${list.length} prompts × n = ${c.sampling.n} exceeds the server's ${limits.maxChoices} choices per request`, 'invalid_value');
  }
  return { kind: 'completion', ...c, prompts: list, echo: bool(body, 'echo', false) };
}

function content(v: unknown, where: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (!Array.isArray(v)) throw invalid(where, `expected a string or an array of content parts, got ${describe(v)}`, 'invalid_type');
  return v
    .map((part, j) => {
      const p = part as Body;
      if (typeof p !== 'object' || p === null || p.type !== 'text' || typeof p.text !== 'string') {
        throw invalid(`${where}[${j}]`, `only text parts {"type": "text", "text": "..."} are supported, got ${JSON.stringify(part).slice(0, 80)}`, 'unsupported_value');
      }
      return p.text;
    })
    .join('');
}

export function parseMessages(body: Body): ChatMessage[] {
  const v = get(body, 'messages');
  if (!Array.isArray(v) || v.length === 0) throw invalid('messages', v === undefined ? 'is required' : 'expected a non-empty array of messages', 'invalid_type');
  return v.map((m, i) => {
    const where = `messages[${i}]`;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw invalid(where, `expected an object, got ${describe(m)}`, 'invalid_type');
    const msg = m as Body;
    checkFields(msg, MESSAGE_FIELDS);
    if (typeof msg.role !== 'string' || !ROLES.includes(msg.role)) throw invalid(`${where}.role`, `expected one of ${ROLES.join(', ')}, got ${JSON.stringify(msg.role)}`, 'invalid_value');
    if (msg.tool_calls !== undefined && msg.tool_calls !== null) throw invalid(`${where}.tool_calls`, 'tool calls are not supported by this server', 'unsupported_value');
    const name = str(msg, 'name');
    return { role: msg.role, content: content(msg.content, `${where}.content`), ...(name === undefined ? {} : { name }) };
  });
}

export function parseChat(body: Body, limits: RequestLimits): ChatRequest {
  checkFields(body, CHAT_FIELDS);
  const maxNew = int(body, 'max_completion_tokens', 1, limits.maxTokens, limits.chatMaxTokens);
  const c = common(body, maxNew, limits);
  if (get(body, 'max_tokens') !== undefined && c.sampling.maxTokens < 1) throw invalid('max_tokens', 'must be at least 1', 'invalid_value');
  if (bool(body, 'logprobs', false)) throw invalid('logprobs', 'log probabilities are not supported by this server', 'unsupported_value');
  if (get(body, 'top_logprobs') !== undefined) throw invalid('top_logprobs', 'log probabilities are not supported by this server', 'unsupported_value');
  const tools = get(body, 'tools');
  if (tools !== undefined && !(Array.isArray(tools) && tools.length === 0)) throw invalid('tools', 'tool calling is not supported by this server', 'unsupported_value');
  const choice = get(body, 'tool_choice');
  if (choice !== undefined && choice !== 'none' && choice !== 'auto') throw invalid('tool_choice', 'only "none" or "auto" (without tools) is supported', 'unsupported_value');
  const format = get(body, 'response_format') as Body | undefined;
  if (format !== undefined && (typeof format !== 'object' || format.type !== 'text')) {
    throw invalid('response_format', 'only {"type": "text"} is supported (no JSON mode or schemas)', 'unsupported_value');
  }
  const modalities = get(body, 'modalities');
  if (modalities !== undefined && !(Array.isArray(modalities) && modalities.every((m) => m === 'text'))) {
    throw invalid('modalities', 'only ["text"] is supported', 'unsupported_value');
  }
  return { kind: 'chat', ...c, messages: parseMessages(body) };
}
