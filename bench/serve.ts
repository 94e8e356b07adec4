// npm run bench -- --only serve: `mamba-ts serve` on loopback, a server process and this one as
// its clients (streaming completions through fetch, so the client's parsing stays light), for a
// Mamba and a Transformer++ of about the same parameter count.
//   throughput: C concurrent clients (1, 8, 32, 128), each sending REQUESTS streamed completions of
//     MAX_TOKENS tokens after a distinct prompt; tokens/s over all, time to first token p50/p95,
//     and the state bytes per running sequence (the server's /health, polled) and the server's
//     peak RSS; at 32 and 128 clients again with --prefill-batch 1 (one prompt per prefill pass);
//   chat: a conversation that grows by ~500 tokens per turn for 20 turns (a user message of 500
//     bytes, a 16-token reply), time to first token of each turn with the state cache and without;
//   head-less prefill: a 512-token prompt through forward (logits at every position) against
//     prefill (the head at the last position only), in this process, at V 256 and V 50,280.
// Models: random weights, D = 256, byte tokenizer (vocabulary 256), written to a temporary folder:
// Mamba 4 layers (N = 16), Transformer++ 2 layers (4 heads of 64, SwiGLU 688; the Mamba paper's
// two Mamba blocks per attention+MLP block); the figures are the server's, not the text's.
// Bounded: it stops by itself.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchContext, registerSection, time, type Table } from './sections.js';
import { saveCheckpoint } from '../src/io/checkpoint.js';
import { modelConfig } from '../src/models/config.js';
import { llamaConfig } from '../src/models/llama_config.js';
import { LanguageModel } from '../src/models/language_model.js';
import { TransformerLM } from '../src/models/transformer.js';
import type { CausalLM } from '../src/models/causal_lm.js';
import { ByteTokenizer } from '../src/data/tokenizer.js';
import { initBackend } from '../src/kernels/index.js';
import { withArena } from '../src/kernels/memory.js';
import { noGrad } from '../src/autograd/tape.js';

const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const MAMBA = { vocab_size: 256, hidden_size: 256, num_hidden_layers: 4, state_size: 16 };
const LLAMA = { model_type: 'llama' as const, vocab_size: 256, hidden_size: 256, intermediate_size: 688, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 4 };
const ARCHS = {
  mamba: (vocab = 256) => new LanguageModel(modelConfig({ ...MAMBA, vocab_size: vocab }), { seed: 0 }),
  transformer: (vocab = 256) => new TransformerLM(llamaConfig({ ...LLAMA, vocab_size: vocab }), { seed: 0 }),
} as const;
type Arch = keyof typeof ARCHS;

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

/** The server's peak resident set in bytes (Linux /proc; null elsewhere). */
function peakRss(s: Server): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${s.child.pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Polls /health until stopped: the state bytes per running sequence at the most sequences seen,
 * and the most bytes the server's batch and prefill states had allocated.
 */
function watchState(url: string): { stop(): Promise<{ bytesPerSequence: number; sequences: number; allocatedBytes: number }> } {
  let best = { bytesPerSequence: 0, sequences: 0, allocatedBytes: 0 };
  let on = true;
  const loop = (async () => {
    while (on) {
      const h = (await (await fetch(`${url}/health`)).json()) as { state: { bytes: number; allocated_bytes: number; sequences: number } };
      best.allocatedBytes = Math.max(best.allocatedBytes, h.state.allocated_bytes);
      if (h.state.sequences > 0 && h.state.sequences >= best.sequences) best = { ...best, bytesPerSequence: h.state.bytes / h.state.sequences, sequences: h.state.sequences };
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  return {
    stop: async () => {
      on = false;
      await loop;
      return best;
    },
  };
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

async function throughput(ctx: BenchContext, dir: string, levels: number[], args: string[] = []) {
  const requests = ctx.quick ? 1 : 2;
  const maxTokens = 64;
  const server = await startServer(dir, ctx.threads, ['--max-batch', '128', '--max-queue', '1024', ...args]);
  const rows = [];
  try {
    await streamed(server.url, '/v1/completions', { prompt: 'warm-up', max_tokens: 8 });
    for (const clients of levels) {
      const ttfts: number[] = [];
      let tokens = 0;
      const watch = watchState(server.url);
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
      const state = await watch.stop();
      const row = { clients, requests: clients * requests, tokens, seconds: wall, tokensPerSecond: tokens / wall, ttftP50: percentile(ttfts, 0.5), ttftP95: percentile(ttfts, 0.95), state };
      ctx.log(`serve ${args.join(' ')}: ${clients} clients: ${row.tokensPerSecond.toFixed(0)} tok/s, TTFT p50 ${(row.ttftP50 * 1000).toFixed(0)} ms, p95 ${(row.ttftP95 * 1000).toFixed(0)} ms, ${(state.bytesPerSequence / 1024).toFixed(0)} KiB of state per sequence at ${state.sequences}`);
      rows.push(row);
    }
    return { maxTokens, requestsPerClient: requests, rows, peakRssBytes: peakRss(server) };
  } finally {
    await stopServer(server);
  }
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

/**
 * In process: a 512-token prefill into a fresh state with the head at every position (forward) or
 * at the last (prefill); and G prompts of L tokens prefilled in one pass [G, L] or one by one.
 */
async function prefillPaths(ctx: BenchContext) {
  await initBackend('wasm', { threads: ctx.threads });
  const L = 512;
  const rows = [];
  const together = [];
  try {
    for (const arch of Object.keys(ARCHS) as Arch[]) {
      const model: CausalLM = ARCHS[arch]();
      for (const [G, n] of [[8, 90], [32, 16], [128, 4]]) {
        const ids = Int32Array.from({ length: G * n }, (_, i) => (i * 7919) % 256);
        const pass = (g: number, from: number) => withArena(() => {
          noGrad(() => void model.prefill(ids.subarray(from * n, (from + g) * n), g, n, model.initState(g)));
        });
        const one = time(() => pass(G, 0), ctx.quick ? 1 : 3, 200).median;
        const each = time(() => {
          for (let g = 0; g < G; g++) pass(1, g);
        }, ctx.quick ? 1 : 3, 200).median;
        ctx.log(`serve prefill ${arch} ${G} × ${n}: one pass ${(G * n / one).toFixed(0)} tok/s, one by one ${(G * n / each).toFixed(0)} tok/s`);
        together.push({ arch, prompts: G, tokens: n, onePassTokensPerSec: (G * n) / one, oneByOneTokensPerSec: (G * n) / each });
      }
    }
    for (const vocab of [256, 50280]) {
      for (const arch of Object.keys(ARCHS) as Arch[]) {
        const model: CausalLM = ARCHS[arch](vocab);
        const ids = Int32Array.from({ length: L }, (_, i) => (i * 7919) % 256);
        const run = (fn: (state: unknown) => void) =>
          time(() => withArena(() => {
            noGrad(() => fn(model.initState(1)));
          }), ctx.quick ? 1 : 3, 200).median;
        const full = run((s) => void model.forward(ids, 1, L, s));
        const last = run((s) => void model.prefill(ids, 1, L, s));
        ctx.log(`serve prefill ${arch} V ${vocab}: forward ${(L / full).toFixed(0)} tok/s, head-less ${(L / last).toFixed(0)} tok/s`);
        rows.push({ arch, vocab, forwardTokensPerSec: L / full, prefillTokensPerSec: L / last });
      }
    }
  } finally {
    await initBackend();
  }
  return { headless: rows, together };
}

const ms = (s: number) => Math.round(s * 1000);
const kib = (b: number) => Math.round(b / 1024);

registerSection({
  name: 'serve',
  description: 'mamba-ts serve on loopback, Mamba and Transformer++: tokens/s, time to first token and state bytes per sequence at 1-128 clients, with and without batched prefill; a 20-turn chat with and without the state cache; head-less prefill',
  async run(ctx) {
    const root = mkdtempSync(join(tmpdir(), 'mamba-ts-bench-serve-'));
    try {
      const levels = ctx.quick ? [1, 8] : [1, 8, 32, 128];
      const data: Record<string, unknown> = { models: { mamba: MAMBA, transformer: LLAMA } };
      const table: Table = { columns: ['model', 'load', 'tok/s', 'TTFT p50 ms', 'TTFT p95 ms', 'state KiB/seq', 'allocated MiB', 'server peak RSS MiB'], rows: [] };
      const prefillTable: Table = { columns: ['model', 'clients', 'prefill batch', 'tok/s', 'TTFT p50 ms', 'TTFT p95 ms'], rows: [] };
      const chatTable: Table = { columns: ['model', 'turn', 'TTFT cached ms', 'TTFT cold ms'], rows: [] };
      const params: Record<string, number> = {};
      for (const arch of Object.keys(ARCHS) as Arch[]) {
        const dir = join(root, arch);
        const model = ARCHS[arch]();
        params[arch] = model.parameterCount();
        saveCheckpoint(dir, { config: model.config, weights: model.weights(), tokenizer: new ByteTokenizer().toJSON() });
        const label = `${arch} (${(params[arch] / 1e6).toFixed(2)} M)`;
        const tp = await throughput(ctx, dir, levels);
        for (const r of tp.rows) table.rows.push([label, `${r.clients} clients`, Math.round(r.tokensPerSecond), ms(r.ttftP50), ms(r.ttftP95), kib(r.state.bytesPerSequence), Number((r.state.allocatedBytes / 2 ** 20).toFixed(1)), null]);
        table.rows[table.rows.length - 1][7] = tp.peakRssBytes === null ? null : Math.round(tp.peakRssBytes / 2 ** 20);
        const big = levels.slice(-2);
        const one = await throughput(ctx, dir, big, ['--prefill-batch', '1']);
        for (const [i, r] of one.rows.entries()) {
          const b = tp.rows.find((x) => x.clients === r.clients)!;
          prefillTable.rows.push([arch, `${r.clients}`, 'up to 128', Math.round(b.tokensPerSecond), ms(b.ttftP50), ms(b.ttftP95)]);
          prefillTable.rows.push([arch, `${big[i]}`, '1', Math.round(r.tokensPerSecond), ms(r.ttftP50), ms(r.ttftP95)]);
        }
        const cached = await chat(ctx, dir, 256);
        const cold = await chat(ctx, dir, 0);
        for (const t of [1, 5, 10, 15, 20]) {
          const a = cached[t - 1], b = cold[t - 1];
          if (a && b) chatTable.rows.push([arch, `${t}`, ms(a.ttft), ms(b.ttft)]);
        }
        data[arch] = { parameters: params[arch], throughput: tp, prefillBatch1: one, chat: { cached, cold } };
      }
      const paths = await prefillPaths(ctx);
      data.prefillPaths = paths;
      const togetherTable: Table = {
        columns: ['model', 'prompts × tokens', 'one pass tok/s', 'one by one tok/s', 'ratio'],
        rows: paths.together.map((r) => [r.arch, `${r.prompts} × ${r.tokens}`, Math.round(r.onePassTokensPerSec), Math.round(r.oneByOneTokensPerSec), Number((r.onePassTokensPerSec / r.oneByOneTokensPerSec).toFixed(2))]),
      };
      const headTable: Table = {
        columns: ['model', 'V', 'forward tok/s', 'head-less prefill tok/s', 'ratio'],
        rows: paths.headless.map((r) => [r.arch, `${r.vocab}`, Math.round(r.forwardTokensPerSec), Math.round(r.prefillTokensPerSec), Number((r.prefillTokensPerSec / r.forwardTokensPerSec).toFixed(2))]),
      };
      return {
        title: 'mamba-ts serve on loopback (random weights, D = 256, byte tokenizer): Mamba 4 layers, Transformer++ 2 layers',
        table,
        extraTables: [
          { title: 'Batched prefill: the same load with one prompt per prefill pass (--prefill-batch 1)', table: prefillTable },
          { title: 'A chat growing by ~500 tokens a turn: time to first token with the state cache (256 MiB) and without', table: chatTable },
          { title: 'Prompts prefilled in one pass [G, n] or one by one [1, n], in process (wasm, all threads)', table: togetherTable },
          { title: 'A 512-token prompt into a fresh state, in process (wasm, all threads): head at every position vs at the last only', table: headTable },
        ],
        notes: [
          `Parameters: Mamba ${params.mamba.toLocaleString('en-US')}, Transformer++ ${params.transformer.toLocaleString('en-US')}.`,
          `${levels.length > 2 ? 2 : 1} streamed completions of 64 tokens per client, all clients at once (~90-token prompts, temperature 0.8); tok/s = completion tokens of all / wall time.`,
          'state KiB/seq: the state bytes the running sequences held (GET /health, polled every 25 ms) over their number, at the most sequences seen; a Mamba state is constant, a KV cache grows with the sequence. allocated: the most bytes the batch and prefill states had allocated (a KV cache gives every row the capacity of its longest sequence, doubling). Server peak RSS: VmHWM after all loads.',
          'Chat rows: a conversation growing by a 500-token user message and a 16-token reply per turn.',
          `Server threads: ${ctx.threads}; the clients run in the bench process.`,
        ],
        data,
      };
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
});
