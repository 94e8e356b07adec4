// The batch scheduler: every running sequence advances by one token in one model.step over the
// whole batch, and sequences join and leave between steps. Each turn of the loop
//   1. drops cancelled sequences (a client that disconnected frees its row at once);
//   2. prefills waiting prompts, up to `prefillChunk` tokens per turn, through the whole-sequence
//      forward that continues from a state: from the longest cached prefix (StateCache), so a chat
//      turn runs only its new tokens; a finished prompt joins the batch by copying its state row;
//   3. runs one batched step and samples each sequence's next token.
// The loop yields to the event loop between turns, so requests arrive and responses stream while
// it runs. Rows are kept dense: a sequence that leaves is replaced by the last row.

import { noGrad } from '../autograd/tape.js';
import { withArena } from '../kernels/memory.js';
import type { StateOptions } from '../models/causal_lm.js';
import { ApiError } from './errors.js';
import { StateLayout } from './batch_state.js';
import { StateCache } from './state_cache.js';
import type { Sampler } from './sampler.js';
import type { RowState, StepModel } from './step_model.js';

export type FinishReason = 'stop' | 'length';

export interface SequenceRequest {
  prompt: Int32Array;
  maxTokens: number;
  sampler: Sampler;
  /** Called when the prompt is processed, with how many of its tokens came from the cache. */
  onPrefilled?(cachedTokens: number): void;
  /** Each new token; return true to finish here (a stop sequence or the end-of-text token). */
  onToken(token: number): boolean;
  onDone(reason: FinishReason): void;
  onError(err: Error): void;
}

export interface SchedulerOptions {
  /** Sequences in one step at most. */
  maxBatch: number;
  /** Sequences waiting for a row at most; past it submit throws a 429. */
  maxQueue: number;
  /** Prompt tokens prefilled per loop turn at most (between two batched steps). */
  prefillChunk: number;
  /** The state cache's bound in bytes (0: no cache). */
  cacheBytes: number;
  state?: StateOptions;
}

interface Sequence {
  req: SequenceRequest;
  /** Tokens generated so far; the last one is not yet in the state. */
  generated: number[];
  /** Prompt tokens in the prefill state so far. */
  pos: number;
  cancelled: boolean;
}

export interface SequenceHandle {
  cancel(): void;
}

export class Scheduler {
  readonly layout: StateLayout;
  readonly cache: StateCache;
  private readonly queue: Sequence[] = [];
  /** Running sequences; active[i] owns row i of the batch state. */
  private readonly active: Sequence[] = [];
  /** The prompt being prefilled (it has the prefill state) and the logits after its last token. */
  private prefilling: Sequence | null = null;
  private prefillLogits: Float32Array | null = null;
  private readonly prefillState: RowState;
  private batchState: RowState | null = null;
  private capacity = 0;
  private readonly views = new Map<number, RowState>();
  private scheduled = false;
  private closed = false;
  /** Tokens generated and prompt tokens run through the model, since start. */
  readonly counters = { steps: 0, generated: 0, prefilled: 0, cachedPromptTokens: 0 };

  constructor(
    private readonly model: StepModel,
    private readonly opts: SchedulerOptions,
  ) {
    this.layout = new StateLayout(model);
    this.cache = new StateCache(opts.cacheBytes);
    this.prefillState = model.initState(1, opts.state);
  }

  get running(): number {
    return this.active.length + (this.prefilling ? 1 : 0);
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Queues sequences (all or none: a request's choices are admitted together). */
  submit(reqs: SequenceRequest[]): SequenceHandle[] {
    if (this.closed) throw new ApiError(503, 'the server is shutting down', null, 'server_shutting_down', undefined, 5);
    if (this.queue.length + reqs.length > this.opts.maxQueue) {
      throw new ApiError(429, `too many requests: ${this.queue.length} sequences are waiting (limit ${this.opts.maxQueue}); retry shortly`, null, 'queue_full', undefined, 1);
    }
    const seqs = reqs.map((req) => ({ req, generated: [], pos: 0, cancelled: false }) as Sequence);
    this.queue.push(...seqs);
    this.schedule();
    return seqs.map((s) => ({
      cancel: () => {
        s.cancelled = true;
        this.schedule();
      },
    }));
  }

  /** Refuses new sequences (503) and lets the running ones finish. */
  close(): void {
    this.closed = true;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.turn());
  }

  private turn(): void {
    this.scheduled = false;
    try {
      this.dropCancelled();
      this.prefill();
      if (this.active.length > 0) this.step();
    } catch (err) {
      this.failAll(err as Error);
    }
    if (this.queue.length > 0 || this.active.length > 0 || this.prefilling) this.schedule();
  }

  private dropCancelled(): void {
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].cancelled) this.queue.splice(i, 1);
    if (this.prefilling?.cancelled) this.prefilling = null;
    for (let i = this.active.length - 1; i >= 0; i--) if (this.active[i].cancelled) this.leave(i);
  }

  /** Runs waiting prompts through the model, `prefillChunk` tokens at most; finished ones join the batch. */
  private prefill(): void {
    let budget = this.opts.prefillChunk;
    while (budget > 0 && this.active.length < this.opts.maxBatch) {
      if (!this.prefilling && !this.startPrefill()) return;
      const seq = this.prefilling!;
      const prompt = seq.req.prompt;
      const n = Math.min(budget, prompt.length - seq.pos);
      if (n > 0) {
        const chunk = prompt.subarray(seq.pos, seq.pos + n);
        const V = this.model.config.vocab_size;
        this.prefillLogits = withArena(() => noGrad(() => this.model.forward(chunk, 1, n, this.prefillState).data.slice((n - 1) * V, n * V)));
        seq.pos += n;
        budget -= n;
        this.counters.prefilled += n;
      }
      if (seq.pos < prompt.length) return;
      this.prefilling = null;
      const logits = this.prefillLogits!;
      if (n > 0 && this.opts.cacheBytes > 0) this.cache.insert(prompt, this.layout.read(this.prefillState, 0), logits);
      if (this.accept(seq, logits)) {
        seq.req.onDone(seq.generated.length >= seq.req.maxTokens ? 'length' : 'stop');
        continue;
      }
      this.ensureCapacity(this.active.length + 1);
      this.layout.move(this.prefillState, 0, this.batchState!, this.active.length);
      this.active.push(seq);
    }
  }

  /** Takes the next waiting sequence and loads its longest cached prefix; false when none waits. */
  private startPrefill(): boolean {
    const seq = this.queue.shift();
    if (!seq) return false;
    const prompt = seq.req.prompt;
    const hit = this.opts.cacheBytes > 0 ? this.cache.lookup(prompt) : null;
    if (hit) {
      this.layout.write(this.prefillState, 0, hit.state);
      this.prefillLogits = hit.logits;
      seq.pos = hit.ids.length;
      this.counters.cachedPromptTokens += seq.pos;
    } else {
      this.layout.clear(this.prefillState, 0);
      seq.pos = 0;
    }
    seq.req.onPrefilled?.(seq.pos);
    this.prefilling = seq;
    return true;
  }

  /** Samples a sequence's next token from its logits; true when the sequence is finished. */
  private accept(seq: Sequence, logits: Float32Array): boolean {
    if (seq.generated.length >= seq.req.maxTokens) return true;
    const token = seq.req.sampler.next(logits);
    seq.generated.push(token);
    this.counters.generated++;
    return seq.req.onToken(token) || seq.generated.length >= seq.req.maxTokens;
  }

  private step(): void {
    const B = this.active.length;
    const V = this.model.config.vocab_size;
    const tokens = Int32Array.from(this.active, (s) => s.generated[s.generated.length - 1]);
    const state = this.view(B);
    const finished: number[] = [];
    withArena(() => {
      const logits = this.model.step(tokens, state).data; // [B, V]
      for (let b = 0; b < B; b++) {
        const seq = this.active[b];
        const row = logits.subarray(b * V, (b + 1) * V);
        if (seq.cancelled || !this.accept(seq, row)) continue;
        finished.push(b);
        // The state now holds the prompt and every generated token but the last: keep it, so the
        // next chat turn (which repeats this reply) starts here.
        if (this.opts.cacheBytes > 0) {
          const ids = new Int32Array(seq.req.prompt.length + seq.generated.length - 1);
          ids.set(seq.req.prompt);
          ids.set(seq.generated.slice(0, -1), seq.req.prompt.length);
          this.cache.insert(ids, this.layout.read(state, b), row.slice());
        }
      }
    });
    this.counters.steps++;
    for (let i = finished.length - 1; i >= 0; i--) {
      const seq = this.active[finished[i]];
      this.leave(finished[i]);
      seq.req.onDone(seq.generated.length >= seq.req.maxTokens ? 'length' : 'stop');
    }
  }

  /** Removes row i: the last row moves into it. */
  private leave(i: number): void {
    const last = this.active.length - 1;
    if (i !== last) this.layout.move(this.batchState!, last, this.batchState!, i);
    this.active[i] = this.active[last];
    this.active.pop();
  }

  /** A batch state with room for `rows` sequences (grown by doubling, rows kept). */
  private ensureCapacity(rows: number): void {
    if (rows <= this.capacity) return;
    const capacity = Math.min(this.opts.maxBatch, Math.max(rows, 4, 2 * this.capacity));
    const next = this.model.initState(capacity, this.opts.state);
    for (let i = 0; i < this.active.length; i++) this.layout.move(this.batchState!, i, next, i);
    this.batchState = next;
    this.capacity = capacity;
    this.views.clear();
  }

  private view(batch: number): RowState {
    let v = this.views.get(batch);
    if (!v) this.views.set(batch, (v = this.layout.view(this.batchState!, batch)));
    return v;
  }

  private failAll(err: Error): void {
    const all = [...this.active, ...this.queue, ...(this.prefilling ? [this.prefilling] : [])];
    this.active.length = 0;
    this.queue.length = 0;
    this.prefilling = null;
    for (const s of all) s.req.onError(err);
  }
}
