// The lab page: controls and views on the main thread; the model lives in a Web Worker
// (lab_worker.ts), so the page stays responsive while it trains. `window.lab` exposes what the page
// shows (losses, generated text, the shapes behind each view) for the tests and the curious.

import { zipSync, unzipSync } from 'fflate';
import { blellochScan, sequentialScan, Rng, type BlellochRound, type LayerRecord } from '../../src/browser.js';
import type { Arch, FolderFiles, Preset } from './lab.js';
import type { Eigenvalues, Reply, Request } from './protocol.js';
import { draw, plotWidth } from './charts.js';
import { BLELLOCH_A, BLELLOCH_B, attentionHeatmap, deltaHeatmap, gateHeatmap, lossChart, meanDeltaChart, ringChart, scanChart, stateNormHeatmap, type ScanFrame } from './views.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const num = (id: string) => Number($<HTMLInputElement>(id).value);

/** What the page holds, readable from outside (tests). `views` maps a view's id to the shape of the data it drew. */
const lab = {
  backend: '',
  isolated: false,
  arch: '' as Arch | '',
  losses: [] as Array<[number, number]>,
  bpc: [] as Array<[number, number]>,
  /** Tokens per second of each training step of the current run. */
  stepTokensPerSec: [] as number[],
  generated: '',
  generateTokensPerSec: 0,
  views: {} as Record<string, number[]>,
  errors: [] as string[],
  busy: { training: false, generating: false },
  /** Logits of `text` from the model in the worker. */
  logits: async (text: string) => (await ask({ type: 'logits', text }, 'logits')).data,
};
(globalThis as unknown as { lab: typeof lab }).lab = lab;

const worker = new Worker(new URL('./lab_worker.ts', import.meta.url), { type: 'module' });
const waiting = new Map<string, (r: Reply) => void>();

function send(msg: Request): void {
  worker.postMessage(msg);
}

/** Sends `msg` and resolves with the next reply of type `type`. */
function ask<K extends Reply['type']>(msg: Request, type: K): Promise<Extract<Reply, { type: K }>> {
  return new Promise((resolve) => {
    waiting.set(type, (r) => resolve(r as Extract<Reply, { type: K }>));
    send(msg);
  });
}

function status(text: string): void {
  $('status').textContent = text;
}

// ---- Train ----

let mobyDick: Promise<string> | null = null;

async function trainingText(): Promise<string> {
  const own = $<HTMLInputElement>('own-text').value;
  if (document.querySelector<HTMLInputElement>('input[name=source]:checked')?.value === 'own') {
    if ([...own].length < 2000) throw new Error(`your text has ${[...own].length} characters; give at least 2,000 (the last 10 % is held out for validation)`);
    return own;
  }
  mobyDick ??= fetch('moby-dick.txt').then((r) => {
    if (!r.ok) throw new Error(`moby-dick.txt: HTTP ${r.status}`);
    return r.text();
  });
  return mobyDick;
}

let chartPending = false;
function redrawLoss(): void {
  if (chartPending) return;
  chartPending = true;
  requestAnimationFrame(() => {
    chartPending = false;
    const el = $('loss-chart');
    void draw(el, lossChart(lab.losses, lab.bpc, plotWidth(el, 260)));
  });
}

function setTraining(on: boolean, canResume = false): void {
  lab.busy.training = on;
  const pause = $<HTMLButtonElement>('pause-btn');
  pause.disabled = !on && !canResume;
  pause.textContent = on ? 'Pause' : 'Resume';
}

$('train-btn').addEventListener('click', async () => {
  try {
    const text = await trainingText();
    lab.losses = [];
    lab.bpc = [];
    lab.stepTokensPerSec = [];
    const arch = $<HTMLSelectElement>('arch').value as Arch;
    const preset = $<HTMLSelectElement>('preset').value as Preset;
    setTraining(true);
    status(`Training a ${arch} (${preset}) on ${[...text].length.toLocaleString('en')} characters…`);
    send({ type: 'train', text, arch, preset, steps: num('steps'), seed: num('seed') });
  } catch (e) {
    showError((e as Error).message);
  }
});

$('pause-btn').addEventListener('click', () => {
  if (lab.busy.training) send({ type: 'pause' });
  else {
    setTraining(true);
    send({ type: 'resume' });
  }
});

$('save-btn').addEventListener('click', async () => {
  const { files } = await ask({ type: 'save' }, 'folder');
  const folder = `mamba-ts-${lab.arch}`;
  const zip = zipSync(Object.fromEntries(Object.entries(files).map(([name, bytes]) => [`${folder}/${name}`, bytes])));
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([zip as BlobPart], { type: 'application/zip' }));
  a.download = `${folder}.zip`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
});

// Dropping a .txt file on the text box reads it in.
const ownText = $<HTMLTextAreaElement>('own-text');
dropTarget(ownText, async (files) => {
  ownText.value = await files[0].text();
  document.querySelector<HTMLInputElement>('input[name=source][value=own]')!.checked = true;
});

// ---- Generate ----

$('gen-btn').addEventListener('click', () => {
  lab.generated = '';
  $('output').textContent = '';
  $<HTMLButtonElement>('gen-btn').disabled = true;
  lab.busy.generating = true;
  const prompt = $<HTMLInputElement>('prompt').value;
  $('output').textContent = prompt;
  send({ type: 'generate', sampling: { prompt, maxTokens: num('max-tokens'), temperature: num('temperature'), topK: num('top-k'), topP: num('top-p') } });
});

/** Files of a folder (names without their folder) from a file list or a .zip. */
async function folderFiles(list: File[]): Promise<FolderFiles> {
  const out: FolderFiles = {};
  for (const f of list) {
    const bytes = new Uint8Array(await f.arrayBuffer());
    if (f.name.endsWith('.zip')) {
      for (const [path, data] of Object.entries(unzipSync(bytes))) if (!path.endsWith('/')) out[path.split('/').pop()!] = data;
    } else {
      out[f.name] = bytes;
    }
  }
  return out;
}

async function loadFolder(list: File[]): Promise<void> {
  if (list.length === 0) return;
  status('Loading the model folder…');
  send({ type: 'load', files: await folderFiles(list) });
}

$<HTMLInputElement>('folder-input').addEventListener('change', (e) => void loadFolder([...((e.target as HTMLInputElement).files ?? [])]));
$<HTMLInputElement>('zip-input').addEventListener('change', (e) => void loadFolder([...((e.target as HTMLInputElement).files ?? [])]));
dropTarget($('drop-zone'), loadFolder);

/** Calls `take` with the files dropped on `el` (a dropped folder's files included). */
function dropTarget(el: HTMLElement, take: (files: File[]) => Promise<void>): void {
  el.addEventListener('dragover', (e) => {
    e.preventDefault();
    el.classList.add('over');
  });
  el.addEventListener('dragleave', () => el.classList.remove('over'));
  el.addEventListener('drop', async (e) => {
    e.preventDefault();
    el.classList.remove('over');
    const entries = [...(e.dataTransfer?.items ?? [])].map((i) => i.webkitGetAsEntry()).filter((x): x is FileSystemEntry => x !== null);
    const files: File[] = [];
    const walk = async (entry: FileSystemEntry): Promise<void> => {
      if (entry.isFile) files.push(await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej)));
      else {
        const reader = (entry as FileSystemDirectoryEntry).createReader();
        const children = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        for (const c of children) await walk(c);
      }
    };
    for (const entry of entries) await walk(entry);
    await take(files).catch((err: Error) => showError(err.message));
  });
}

// ---- See inside ----

let inspection: { arch: Arch; tokens: string[]; layers: LayerRecord[] } | null = null;

$('inspect-btn').addEventListener('click', () => send({ type: 'inspect', text: $<HTMLInputElement>('inspect-text').value }));
$('layer').addEventListener('change', () => void renderInside());
$('head').addEventListener('change', () => void renderInside());

/** A view: a heading, two lines on what to look for, and its chart. */
function viewBox(id: string, title: string, hint: string): HTMLElement {
  const box = document.createElement('article');
  box.className = 'view';
  box.id = `view-${id}`;
  box.innerHTML = `<h3></h3><p class="hint"></p><div class="chart" role="img"></div>`;
  box.querySelector('h3')!.textContent = title;
  box.querySelector('.hint')!.textContent = hint;
  box.querySelector('.chart')!.setAttribute('aria-label', title);
  $('views').append(box);
  return box.querySelector('.chart') as HTMLElement;
}

async function renderInside(): Promise<void> {
  if (!inspection) return;
  const { arch, tokens, layers } = inspection;
  const layer = Number($<HTMLSelectElement>('layer').value) || 0;
  const rec = layers[layer];
  $('views').replaceChildren();
  lab.views = {};
  const width = plotWidth($('views'));
  const jobs: Array<Promise<unknown>> = [];
  if (rec.delta) {
    const d = rec.delta;
    jobs.push(draw(viewBox('mean-delta', `Mean Δ per token (layer ${layer})`, 'Δ is how far each token moves the state: a large Δ forgets the past and takes in this token, a small Δ lets the token pass and keeps the memory. High bars mark the tokens the model resets on (often after spaces and punctuation), low bars the ones it skips.'), meanDeltaChart(d, tokens, width)));
    const hint = arch === 's4d'
      ? 'S4D fixes Δ per channel: every column is the same, whatever the text. Compare with a Mamba model, whose Δ changes with each token: that is selectivity.'
      : arch === 'mamba2'
        ? 'Mamba-2 has one Δ (and one scalar decay A) per head, shared by the head\'s channels: rows are heads. Vertical stripes are tokens that reset many heads at once.'
        : 'Each channel has its own timescale (rows), and each token changes it (columns): vertical stripes are tokens that reset many channels at once. S4D, for contrast, shows the same column at every token.';
    jobs.push(draw(viewBox('delta', `Δ per token and ${arch === 'mamba2' ? 'head' : 'channel'} (layer ${layer})`, hint), deltaHeatmap(d, tokens, width, arch === 'mamba2' ? 'head' : 'channel')));
    lab.views.delta = d.shape;
    lab.views['mean-delta'] = [d.shape[1]];
  }
  const norms = layers.map((r) => r.stateNorm);
  if (norms.some((n) => n)) {
    jobs.push(draw(viewBox('state', 'Norm of the state per token and layer', 'How much the recurrent state holds after each token, in each layer: it fills up as the text goes on and drops where Δ makes it forget. A Transformer has no such fixed-size state; its memory is the whole KV cache.'), stateNormHeatmap(norms, tokens, width)));
    lab.views.state = [norms.filter(Boolean).length, tokens.length];
  }
  if (rec.gate) {
    jobs.push(draw(viewBox('gate', `Gate SiLU(z) per token and channel (layer ${layer})`, 'The block multiplies the scan\'s output by SiLU(z), computed from this position\'s input with no recurrence: near 0 (white) a channel is shut for that token, red passes it (scaled up above 1), blue is SiLU\'s small negative dip (down to −0.28).'), gateHeatmap(rec.gate, tokens, width)));
    lab.views.gate = rec.gate.shape;
  }
  if (rec.attention) {
    const head = Number($<HTMLSelectElement>('head').value) || 0;
    jobs.push(draw(viewBox('attention', `Attention, layer ${layer}, head ${head}`, 'Row = the token that looks, column = the tokens it looks at (only earlier ones: causal). A bright diagonal looks at itself, a bright first column parks its attention on the start; stripes one step off the diagonal read the previous character.'), attentionHeatmap(rec.attention, head, tokens, width)));
    lab.views.attention = rec.attention.shape;
  }
  await Promise.all(jobs);
}

function fillSelect(id: string, count: number, label: (i: number) => string): void {
  const sel = $<HTMLSelectElement>(id);
  const keep = Number(sel.value) || 0;
  sel.replaceChildren(...Array.from({ length: count }, (_, i) => new Option(label(i), String(i), false, i === keep)));
  sel.disabled = count <= 1;
}

let ringPending: { step: number; layers: Eigenvalues[] } | null = null;
function redrawRing(step: number, layers: Eigenvalues[]): void {
  const first = ringPending === null;
  ringPending = { step, layers };
  if (!first) return;
  requestAnimationFrame(async () => {
    const p = ringPending!;
    const el = $('ring-chart');
    $('view-ring').hidden = false;
    await draw(el, ringChart(p.layers, p.step, Math.min(360, plotWidth(el, 160))));
    lab.views.ring = [p.layers.length, p.layers[0]?.re.length ?? 0];
    ringPending = null;
  });
}

// ---- The scan, step by step ----

const scanInput = (() => {
  const r = new Rng(3);
  const a = Float32Array.from({ length: 8 }, () => 0.5 + 0.5 * r.next());
  const b = Float32Array.from({ length: 8 }, () => 2 * r.next() - 1);
  const rounds: BlellochRound[] = [];
  blellochScan({ L: 8, C: 1, a, b }, (round) => rounds.push(round));
  return { a, b, rounds, h: sequentialScan({ L: 8, C: 1, a, b }).h };
})();
const SCAN_STEPS = Math.max(8, scanInput.rounds.length);
let scanStep = 0;

function scanFrame(k: number): ScanFrame {
  const { a, b, rounds, h } = scanInput;
  const round = k > 0 ? rounds[Math.min(k, rounds.length) - 1] : null;
  const blellochChanged = k > 0 && k <= rounds.length ? round!.rows : [];
  return {
    a, b,
    sequential: Array.from({ length: 8 }, (_, t) => (t < k ? h[t] : null)),
    blelloch: round,
    changed: { 'sequential h': k > 0 && k <= 8 ? [k - 1] : [], [BLELLOCH_B]: blellochChanged, [BLELLOCH_A]: round?.phase === 'up' ? blellochChanged : [] },
  };
}

async function renderScan(): Promise<void> {
  const round = scanStep > 0 ? scanInput.rounds[Math.min(scanStep, scanInput.rounds.length) - 1] : null;
  const blelloch = !round ? 'not started' : scanStep > scanInput.rounds.length ? 'done' : round.phase === 'final' ? 'final round: h_t = a_t·(state before t) + b_t' : `${round.phase}-sweep, pairs ${round.span} apart`;
  $('scan-label').textContent = `step ${scanStep} of ${SCAN_STEPS}: sequential ${Math.min(scanStep, 8)} of 8 states; Blelloch ${blelloch}`;
  const el = $('scan-chart');
  await draw(el, scanChart(scanFrame(scanStep), Math.min(560, plotWidth(el, 200))));
  lab.views.scan = [scanStep, SCAN_STEPS];
}

function moveScan(by: number | null): void {
  scanStep = by === null ? 0 : Math.max(0, Math.min(SCAN_STEPS, scanStep + by));
  void renderScan();
}
$('scan-prev').addEventListener('click', () => moveScan(-1));
$('scan-next').addEventListener('click', () => moveScan(1));
$('scan-reset').addEventListener('click', () => moveScan(null));
$('view-scan').addEventListener('keydown', (e) => {
  if (e.key === 'ArrowRight') moveScan(1);
  else if (e.key === 'ArrowLeft') moveScan(-1);
});

// ---- Replies from the worker ----

function showError(message: string): void {
  lab.errors.push(message);
  status(`Error: ${message}`);
}

function onModel(arch: Arch, description: string, canTrain: boolean): void {
  lab.arch = arch;
  $('view-ring').hidden = arch !== 'lru';
  for (const id of ['gen-btn', 'inspect-btn', 'save-btn']) $<HTMLButtonElement>(id).disabled = false;
  if (!canTrain) setTraining(false);
  status(`Model: ${description}. ${lab.backend}.`);
}

worker.addEventListener('message', (e: MessageEvent<Reply>) => {
  const r = e.data;
  const waiter = waiting.get(r.type);
  if (waiter) {
    waiting.delete(r.type);
    waiter(r);
    return;
  }
  switch (r.type) {
    case 'ready':
      lab.backend = r.backend;
      lab.isolated = r.isolated;
      $<HTMLButtonElement>('train-btn').disabled = false;
      status(`Ready: ${r.backend}${r.isolated ? '' : ' (this page is not cross-origin isolated, so the kernels run on one thread)'}.`);
      return;
    case 'model':
      onModel(r.arch, r.description, r.canTrain);
      return;
    case 'step':
      lab.losses.push([r.step, r.loss]);
      lab.stepTokensPerSec.push(r.tokensPerSec);
      $('train-stats').textContent = `step ${r.step} / ${r.steps} · training ${(r.loss / Math.LN2).toFixed(3)} bits/char · ${Math.round(r.tokensPerSec).toLocaleString('en')} tokens/s` + (lab.bpc.length ? ` · validation ${lab.bpc[lab.bpc.length - 1][1].toFixed(3)} bits/char` : '');
      redrawLoss();
      return;
    case 'eval':
      lab.bpc.push([r.step, r.bpc]);
      redrawLoss();
      return;
    case 'eigen':
      redrawRing(r.step, r.layers);
      return;
    case 'trained':
      setTraining(false, r.paused);
      status(r.paused ? `Paused at step ${r.step}.` : `Trained ${r.step} steps.`);
      return;
    case 'text':
      lab.generated += r.piece;
      $('output').textContent += r.piece;
      return;
    case 'generated':
      lab.busy.generating = false;
      lab.generateTokensPerSec = r.tokensPerSec;
      $<HTMLButtonElement>('gen-btn').disabled = false;
      $('gen-stats').textContent = `${r.tokens} tokens · ${Math.round(r.tokensPerSec).toLocaleString('en')} tokens/s`;
      return;
    case 'inspection':
      inspection = r;
      fillSelect('layer', r.layers.length, (i) => `layer ${i}`);
      fillSelect('head', r.layers[0].attention?.shape[1] ?? 1, (i) => `head ${i}`);
      void renderInside();
      return;
    case 'error':
      lab.busy.generating = false;
      $<HTMLButtonElement>('gen-btn').disabled = lab.arch === '';
      if (lab.busy.training) setTraining(false);
      showError(r.message);
      return;
  }
});

$<HTMLButtonElement>('train-btn').disabled = true;
send({ type: 'init', wasm: new URL('kernels.wasm', document.baseURI).href });
void renderScan();
