// `mamba-ts serve` as a library: a model folder behind an OpenAI-compatible HTTP server.

import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpServer, listen } from './http.js';
import { Scheduler } from './scheduler.js';
import { loadServedModel, type ServedModel } from './served_model.js';
import { StateStore } from './state_store.js';
import type { WeightFormat } from '../kernels/weight_format.js';

export interface ServeOptions {
  /** The model id clients name (default: the folder's name). */
  name?: string;
  port?: number;
  host?: string;
  /** Prompt tokens per request at most (default 16384). */
  maxPromptTokens?: number;
  /** Largest max_tokens a request may ask for (default 4096). */
  maxTokens?: number;
  /** max_tokens of a chat request without one (default 256). */
  chatMaxTokens?: number;
  /** Sequences decoded together at most (default 32). */
  maxBatch?: number;
  /** Sequences waiting for a slot at most; past it a 429 (default 256). */
  maxQueue?: number;
  /** Prompt tokens prefilled between two batched steps (default 512). */
  prefillChunk?: number;
  /** Prompts prefilled together at most (default maxBatch). */
  prefillBatch?: number;
  /** The state cache's bound in bytes (default 256 MiB; 0 turns the cache off). */
  cacheBytes?: number;
  /** Where POST /v1/states/save writes conversation states (default: none, the routes answer 400). */
  stateDir?: string;
  /** Weights of the per-token step: 'bf16' / 'int8' read a half / a quarter of the bytes per token (src/models/causal_lm.ts). */
  weights?: WeightFormat;
  maxBodyBytes?: number;
}

export const SERVE_DEFAULTS = {
  port: 8080, host: '127.0.0.1', maxPromptTokens: 16384, maxTokens: 4096, chatMaxTokens: 256, maxBatch: 32, maxQueue: 256,
  prefillChunk: 512, cacheBytes: 256 * 2 ** 20, maxBodyBytes: 4 * 2 ** 20,
} as const;

export interface RunningServer {
  server: http.Server;
  address: AddressInfo;
  url: string;
  served: ServedModel;
  scheduler: Scheduler;
  close(): Promise<void>;
}

/** Serves an already loaded model (tests, benchmarks). */
export async function startServer(served: ServedModel, opts: ServeOptions = {}): Promise<RunningServer> {
  const o = { ...SERVE_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as typeof SERVE_DEFAULTS & ServeOptions;
  const scheduler = new Scheduler(served.model, {
    maxBatch: o.maxBatch, maxQueue: o.maxQueue, prefillChunk: o.prefillChunk, prefillBatch: o.prefillBatch, cacheBytes: o.cacheBytes, state: { weights: o.weights },
  });
  const server = createHttpServer({
    served, scheduler, started: Date.now(),
    limits: { maxTokens: o.maxTokens, maxChoices: o.maxBatch, chatMaxTokens: Math.min(o.chatMaxTokens, o.maxTokens), maxPromptTokens: o.maxPromptTokens, maxBodyBytes: o.maxBodyBytes },
    states: o.stateDir ? new StateStore(o.stateDir, served, scheduler) : null,
  });
  const address = await listen(server, o.port, o.host);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server, address, served, scheduler,
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        scheduler.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Loads a model folder and serves it. */
export function serve(dir: string, opts: ServeOptions = {}): Promise<RunningServer> {
  return startServer(loadServedModel(dir, { name: opts.name, weights: opts.weights }), opts);
}

export { loadServedModel, type ServedModel } from './served_model.js';
export { DEFAULT_CHAT_TEMPLATE } from './chat_template.js';
