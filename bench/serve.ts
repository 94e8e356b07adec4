// npm run bench -- --only serve: `mamba-ts serve` on loopback, a server process and this one as
// its clients (streaming completions through fetch, so the client's parsing stays light).
//   throughput: C concurrent clients (1, 8, 32, 128), each sending REQUESTS streamed completions of
//     MAX_TOKENS tokens after a distinct prompt; tokens/s over all, time to first token p50/p95;
//   chat: a conversation that grows by ~500 tokens per turn for 20 turns (a user message of 500
//     bytes, a 16-token reply), time to first token of each turn with the state cache and without.
// Model: random weights, D = 256, 4 layers, N = 16, byte tokenizer (vocabulary 256), written to a
// temporary folder; the figures are the server's, not the text's. Bounded: it stops by itself.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchContext, registerSection } from './sections.js';
import { saveCheckpoint } from '../src/io/checkpoint.js';
import { modelConfig } from '../src/models/config.js';
import { LanguageModel } from '../src/models/language_model.js';
import { ByteTokenizer } from '../src/data/tokenizer.js';

const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const MODEL = { vocab_size: 256, hidden_size: 256, num_hidden_layers: 4, state_size: 16 };

interface Server {
  url: string;
  child: ChildProcess;
}

async function startServer(dir: string, threads: number, args: string[]): Promise<Server> {
  const child = spawn(process.execPath, [cli, 'serve', '--model', dir, '--port', '0', '--name', 'bench', ...args], {
    env: { ...process.env, MAMBA_TS_THREADS: String(threads) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /at (http:\/\/\S+)\/v1 /.exec(err);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
  return { url, child };
}

async function stopServer(s: Server): Promise<void> {
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

/** One streamed request: seconds to the first text, seconds in all, completion tokens. */
async function streamed(url: string, path: string, body: object): Promise<{ ttft: number; total: number; tokens: number; text: string }> {
  const t0 = performance.now();
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ...body, model: 'bench', stream: true, stream_options: { include_usage: true } }) });
  if (res.status !== 200) throw new Error(`bench serve: ${res.status} ${await res.text()}`);
  let ttft = -1;
  let tokens = 0;
  let text = '';
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(part, { stream: true });
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const line = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
      const chunk = JSON.parse(line.slice(6));
      if (chunk.usage) tokens = chunk.usage.completion_tokens;
      const c = chunk.choices?.[0];
      const piece = c?.text ?? c?.delta?.content ?? '';
      // The first token may be held back (half a character); the first chunk with text is what a user sees.
      if (piece !== '' && ttft < 0) ttft = (performance.now() - t0) / 1000;
      text += piece;
    }
  }
  const total = (performance.now() - t0) / 1000;
  return { ttft: ttft < 0 ? total : ttft, total, tokens, text };
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

async function throughput(ctx: BenchContext, dir: string) {
  const levels = ctx.quick ? [1, 8] : [1, 8, 32, 128];
  const requests = ctx.quick ? 1 : 2;
  const maxTokens = 64;
  const server = await startServer(dir, ctx.threads, ['--max-batch', '128', '--max-queue', '1024']);
  const rows = [];
  try {
    await streamed(server.url, '/v1/completions', { prompt: 'warm-up', max_tokens: 8 });
    for (const clients of levels) {
      const ttfts: number[] = [];
      let tokens = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: clients }, async (_, c) => {
          for (let r = 0; r < requests; r++) {
            const prompt = `Client ${c}, request ${r}: call me Ishmael. Some years ago, never mind how long precisely.`;
            const out = await streamed(server.url, '/v1/completions', { prompt, max_tokens: maxTokens, temperature: 0.8, seed: c * 100 + r });
            ttfts.push(out.ttft);
            tokens += out.tokens;
          }
        }),
      );
      const wall = (performance.now() - t0) / 1000;
      const row = { clients, requests: clients * requests, tokens, seconds: wall, tokensPerSecond: tokens / wall, ttftP50: percentile(ttfts, 0.5), ttftP95: percentile(ttfts, 0.95) };
      ctx.log(`serve: ${clients} clients: ${row.tokensPerSecond.toFixed(0)} tok/s, TTFT p50 ${(row.ttftP50 * 1000).toFixed(0)} ms, p95 ${(row.ttftP95 * 1000).toFixed(0)} ms`);
      rows.push(row);
    }
  } finally {
    await stopServer(server);
  }
  return { maxTokens, requestsPerClient: requests, rows };
}

async function chat(ctx: BenchContext, dir: string, cacheMb: number) {
  const turns = ctx.quick ? 4 : 20;
  const server = await startServer(dir, ctx.threads, ['--cache-mb', String(cacheMb), '--max-prompt-tokens', '20000']);
  const messages: { role: string; content: string }[] = [];
  const perTurn = [];
  try {
    for (let t = 0; t < turns; t++) {
      // ~500 bytes of plain ASCII: 500 tokens of the byte tokenizer.
      const user = `Turn ${t}. `.padEnd(500, ' and the whale swam on through the grey sea').slice(0, 500);
      messages.push({ role: 'user', content: user });
      const out = await streamed(server.url, '/v1/chat/completions', { messages, max_tokens: 16, temperature: 0 });
      messages.push({ role: 'assistant', content: out.text });
      perTurn.push({ turn: t + 1, ttft: out.ttft });
      ctx.log(`serve chat (cache ${cacheMb} MiB): turn ${t + 1}: TTFT ${(out.ttft * 1000).toFixed(0)} ms`);
    }
  } finally {
    await stopServer(server);
  }
  return perTurn;
}

registerSection({
  name: 'serve',
  description: 'mamba-ts serve on loopback: tokens/s and time to first token at 1-128 clients; a 20-turn chat with and without the state cache',
  async run(ctx) {
    const root = mkdtempSync(join(tmpdir(), 'mamba-ts-bench-serve-'));
    const dir = join(root, 'd256');
    try {
      const model = new LanguageModel(modelConfig(MODEL), { seed: 0 });
      saveCheckpoint(dir, { config: model.config, weights: model.weights(), tokenizer: new ByteTokenizer().toJSON() });
      const tp = await throughput(ctx, dir);
      const cached = await chat(ctx, dir, 256);
      const cold = await chat(ctx, dir, 0);
      const rows: (string | number)[][] = tp.rows.map((r) => [
        `${r.clients} clients`, r.requests, r.tokens, Math.round(r.tokensPerSecond), Math.round(r.ttftP50 * 1000), Math.round(r.ttftP95 * 1000),
      ]);
      for (const t of [1, 5, 10, 15, 20]) {
        const a = cached[t - 1];
        const b = cold[t - 1];
        if (a && b) rows.push([`chat turn ${t}`, '', '', '', `${Math.round(a.ttft * 1000)} cached`, `${Math.round(b.ttft * 1000)} cold`]);
      }
      return {
        title: 'mamba-ts serve on loopback (random-weight D = 256, 4 layers, byte tokenizer)',
        table: { columns: ['load', 'requests', 'tokens', 'tok/s', 'TTFT p50 ms', 'TTFT p95 ms'], rows },
        notes: [
          `${tp.requestsPerClient} streamed completions of ${tp.maxTokens} tokens per client, all clients at once; tok/s = completion tokens of all / wall time.`,
          'Chat rows: a conversation growing by a 500-token user message and a 16-token reply per turn; time to first token of the turn with the state cache (256 MiB) and without (0).',
          `Server threads: ${ctx.threads}; the clients run in the bench process.`,
        ],
        data: { model: MODEL, throughput: tp, chat: { cached, cold } },
      };
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
});
