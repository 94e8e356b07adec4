// `mamba-ts serve --model DIR`: the model behind an OpenAI-compatible HTTP server (src/serve/).
// It runs until interrupted; Ctrl-C stops taking requests and closes the connections.

import { serve, SERVE_DEFAULTS } from '../serve/index.js';
import type { WeightFormat } from '../kernels/weight_format.js';

export interface ServeCliOptions {
  model: string;
  name?: string;
  port: number;
  host: string;
  maxPromptTokens: number;
  maxTokens: number;
  chatMaxTokens: number;
  maxBatch: number;
  maxQueue: number;
  prefillChunk: number;
  prefillBatch?: number;
  cacheMb: number;
  stateDir?: string;
  weights: WeightFormat;
}

export { SERVE_DEFAULTS };

export async function serveCommand(o: ServeCliOptions): Promise<void> {
  if (o.maxBatch < 1) throw new Error('--max-batch must be at least 1');
  const running = await serve(o.model, {
    name: o.name, port: o.port, host: o.host, maxPromptTokens: o.maxPromptTokens, maxTokens: o.maxTokens, chatMaxTokens: o.chatMaxTokens,
    maxBatch: o.maxBatch, maxQueue: o.maxQueue, prefillChunk: Math.max(1, o.prefillChunk), prefillBatch: o.prefillBatch, cacheBytes: Math.round(o.cacheMb * 2 ** 20),
    stateDir: o.stateDir, weights: o.weights,
  });
  console.error(`mamba-ts serve: model "${running.served.name}" at ${running.url}/v1 (OpenAI API; GET /health)`);
  const stop = () => {
    console.error('mamba-ts serve: stopping');
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await new Promise<void>((resolve) => running.server.once('close', resolve));
}
