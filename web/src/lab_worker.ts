// The lab's Web Worker: owns the model (lab.ts) so that training and generation never block the
// page. Training runs one step per task and yields between steps, so that pause, generate and
// inspect messages are taken between two steps.

import { initBackend, describeBackend } from '../../src/browser.js';
import { Lab } from './lab.js';
import type { Reply, Request } from './protocol.js';

const EVAL_EVERY = 25;
const EIGEN_EVERY = 5;

let lab: Lab | null = null;
let running = false;
let run = 0; // a new train request ends the loop of the previous one

function reply(msg: Reply, transfer: Transferable[] = []): void {
  (globalThis as unknown as Worker).postMessage(msg, transfer);
}

/** A zero-delay yield (setTimeout clamps nested timers to 4 ms, a tenth of a tiny model's step). */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

function describe(l: Lab): Reply {
  const params = l.model.parameters().reduce((n, p) => n + p.size, 0);
  const c = l.model.config;
  return { type: 'model', arch: l.arch, params, vocab: c.vocab_size, description: `${l.arch} · ${c.num_hidden_layers} layers · d ${c.hidden_size} · ${params.toLocaleString('en')} parameters`, canTrain: l.canTrain };
}

function sendEigenvalues(l: Lab): void {
  if (l.arch === 'lru') reply({ type: 'eigen', step: l.step, layers: l.eigenvalues() });
}

async function trainLoop(l: Lab, id: number): Promise<void> {
  running = true;
  while (running && id === run && l.step < l.steps) {
    const r = l.trainStep();
    reply({ type: 'step', step: r.step, steps: l.steps, loss: r.loss, tokensPerSec: r.tokensPerSec });
    if (r.step % EVAL_EVERY === 0 || r.step === l.steps) reply({ type: 'eval', step: r.step, bpc: l.validate() });
    if (r.step % EIGEN_EVERY === 0) sendEigenvalues(l);
    await nextTask();
  }
  // A newer loop (train, resume, load) owns `running` now: only the current one clears it.
  if (id !== run) return;
  running = false;
  reply({ type: 'trained', step: l.step, paused: l.step < l.steps });
}

async function handle(msg: Request): Promise<void> {
  switch (msg.type) {
    case 'init': {
      const backend = await initBackend('wasm', { wasm: new URL(msg.wasm, globalThis.location.href) });
      reply({ type: 'ready', backend: backend === 'wasm' ? describeBackend() : 'reference kernels (no WebAssembly SIMD here)', isolated: globalThis.crossOriginIsolated === true });
      return;
    }
    case 'train': {
      running = false;
      lab = Lab.forText(msg.text, { arch: msg.arch, preset: msg.preset, steps: msg.steps, seed: msg.seed });
      reply(describe(lab));
      reply({ type: 'eval', step: 0, bpc: lab.validate() });
      sendEigenvalues(lab);
      await trainLoop(lab, ++run);
      return;
    }
    case 'pause':
      running = false;
      return;
    case 'resume':
      if (lab && !running && lab.canTrain) await trainLoop(lab, ++run);
      return;
    case 'generate': {
      const l = need(lab);
      const t0 = performance.now();
      const s = msg.sampling;
      const tokens = l.generate(s.prompt, s, (piece) => {
        if (piece) reply({ type: 'text', piece });
      });
      reply({ type: 'generated', tokens, tokensPerSec: (tokens * 1000) / (performance.now() - t0) });
      return;
    }
    case 'inspect': {
      const l = need(lab);
      const r = l.inspect(msg.text);
      reply({ type: 'inspection', arch: l.arch, tokens: r.tokens, layers: r.layers });
      return;
    }
    case 'save':
      reply({ type: 'folder', files: need(lab).save() });
      return;
    case 'load':
      running = false;
      run++;
      lab = Lab.fromFolder(msg.files);
      reply(describe(lab));
      sendEigenvalues(lab);
      return;
    case 'logits':
      reply({ type: 'logits', data: need(lab).logits(msg.text) });
      return;
  }
}

function need(l: Lab | null): Lab {
  if (!l) throw new Error('no model yet: train one or load a folder first');
  return l;
}

globalThis.addEventListener('message', (e: Event) => {
  handle((e as MessageEvent<Request>).data).catch((err: Error) => reply({ type: 'error', message: err.message }));
});
