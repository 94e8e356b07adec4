// One completion or chat request from validated fields to its response: prompts to token ids,
// one sequence per choice into the scheduler, each choice's tokens through its TextStream (stop
// sequences, end-of-text), then one JSON response or a stream of chunks.

import { randomInt } from 'node:crypto';
import { ApiError, invalid } from './errors.js';
import type { ApiRequest } from './protocol.js';
import type { ServedModel } from './served_model.js';
import type { FinishReason, Scheduler, SequenceHandle } from './scheduler.js';
import { Sampler } from './sampler.js';
import { TextStream } from './text_stream.js';
import * as r from './responses.js';

/** Where a request's answer goes (the HTTP layer implements it). */
export interface Output {
  /** A whole JSON response. */
  json(status: number, body: object): void;
  /** Starts a server-sent event stream: 200 and its headers, sent at once. */
  open(): void;
  /** Sends one `data:` event (opening the stream first if needed). */
  event(body: object | '[DONE]'): void;
  end(): void;
  /** Called when the client goes away before the response ended. */
  onDisconnect(fn: () => void): void;
}

export interface GenerationLimits {
  /** Prompt tokens at most (a longer prompt is a 400, context_length_exceeded). */
  maxPromptTokens: number;
}

/** Token ids of each prompt (completion: as given; chat: the rendered conversation). */
function promptIds(served: ServedModel, req: ApiRequest, limits: GenerationLimits): Int32Array[] {
  const V = served.model.config.vocab_size;
  const texts = req.kind === 'chat' ? [served.chat.render(req.messages)] : req.prompts;
  return texts.map((p) => {
    const ids = typeof p === 'string' ? served.tokenizer.encode(p) : Int32Array.from(p);
    if (ids.length === 0) throw invalid(req.kind === 'chat' ? 'messages' : 'prompt', 'the prompt has no tokens (give at least one)', 'invalid_value');
    if (ids.length > limits.maxPromptTokens) {
      throw invalid(req.kind === 'chat' ? 'messages' : 'prompt', `the prompt has ${ids.length} tokens, this server takes at most ${limits.maxPromptTokens}`, 'context_length_exceeded');
    }
    for (const id of ids) if (id < 0 || id >= V) throw invalid('prompt', `token id ${id} is out of range for a vocabulary of ${V}`, 'invalid_value');
    return ids;
  });
}

export function runRequest(served: ServedModel, scheduler: Scheduler, req: ApiRequest, limits: GenerationLimits, out: Output): void {
  if (req.model !== served.name) {
    throw new ApiError(404, `The model \`${req.model}\` does not exist (this server serves \`${served.name}\`; GET /v1/models lists it)`, 'model', 'model_not_found');
  }
  const V = served.model.config.vocab_size;
  for (const id of req.sampling.logitBias.keys()) if (id >= V) throw invalid('logit_bias', `token id ${id} is out of range for a vocabulary of ${V}`, 'invalid_value');
  const prompts = promptIds(served, req, limits);
  const n = req.sampling.n;
  const stops = [...req.sampling.stop, ...(req.kind === 'chat' ? served.chatStops : [])];
  const head: r.Head = { id: r.responseId(req.kind), created: Math.floor(Date.now() / 1000), model: served.name };
  const count = prompts.length * n;
  const texts: string[] = new Array(count).fill('');
  const reasons: FinishReason[] = new Array(count).fill('length');
  const started = new Array(count).fill(false);
  let completionTokens = 0;
  let cachedTokens = 0;
  let pending = count;
  let failed = false;
  const baseSeed = req.sampling.seed ?? randomInt(2 ** 32);

  const emit = (index: number, text: string, reason: FinishReason | null) => {
    if (!req.stream) return;
    if (text === '' && reason === null && (started[index] || req.kind === 'completion')) return;
    out.event(r.chunk(req.kind, head, index, text, reason, req.includeUsage, !started[index]));
    started[index] = true;
  };
  const finish = () => {
    const promptTokens = prompts.reduce((s, p) => s + p.length, 0);
    const u = r.usage(promptTokens, completionTokens, cachedTokens);
    if (!req.stream) {
      out.json(200, (req.kind === 'chat' ? r.chatCompletion : r.completion)(head, texts, reasons, u));
      return;
    }
    if (req.includeUsage) out.event(r.usageChunk(req.kind, head, u));
    out.event('[DONE]');
    out.end();
  };

  const sequences = prompts.flatMap((prompt, p) =>
    Array.from({ length: n }, (_, k) => {
      const index = p * n + k;
      const text = new TextStream(served.tokenizer, stops);
      let stopped = false;
      if (req.kind === 'completion' && req.echo) {
        const echoed = typeof req.prompts[p] === 'string' ? (req.prompts[p] as string) : served.tokenizer.decode(prompt);
        texts[index] = echoed;
      }
      const add = (piece: string) => {
        if (piece === '') return;
        texts[index] += piece;
        emit(index, piece, null);
      };
      return {
        prompt,
        maxTokens: req.sampling.maxTokens,
        sampler: new Sampler(req.sampling, (baseSeed + index) >>> 0, served.tokenizer.vocabSize),
        onPrefilled: (cached: number) => {
          cachedTokens += k === 0 ? cached : 0;
          if (req.stream) emit(index, texts[index], null);
        },
        onToken: (token: number) => {
          completionTokens++;
          if (served.eosIds.has(token)) return (stopped = true);
          add(text.push(token));
          return (stopped = text.stopped);
        },
        onDone: (reason: FinishReason) => {
          add(text.flush());
          reasons[index] = stopped ? 'stop' : reason;
          emit(index, '', reasons[index]);
          if (--pending === 0 && !failed) finish();
        },
        onError: (err: Error) => {
          if (failed) return;
          failed = true;
          const e = new ApiError(500, `generation failed: ${err.message}`, null, 'generation_failed');
          if (req.stream) {
            out.event(e.body());
            out.end();
          } else out.json(500, e.body());
        },
      };
    }),
  );
  const handles: SequenceHandle[] = scheduler.submit(sequences);
  if (req.stream) out.open();
  out.onDisconnect(() => handles.forEach((h) => h.cancel()));
}
