// The batch scheduler: every running sequence advances by one token in one model.step over the
// whole batch, and sequences join and leave between steps. Each turn of the loop
//   1. drops cancelled sequences (a client that disconnected frees its row at once);
//   2. prefills waiting prompts, up to `prefillChunk` tokens per turn, several together: the
//      prompts being prefilled have the rows of a prefill state, each starting from its longest
//      cached prefix (StateCache), so a chat turn runs only its new tokens; each pass runs the
//      same number n of tokens of every one of them (n ≤ the shortest remaining part: no padding,
//      which a recurrent state could not skip) through model.prefill, whose head runs at the last
//      position only; a finished prompt joins the batch by moving its row;
//   3. runs one batched step and samples each sequence's next token.
// The loop yields to the event loop between turns, so requests arrive and responses stream while
// it runs. Rows are kept dense: a sequence that leaves is replaced by the last row. Rows move
// through StateRows, which knows the model's state (recurrent arrays or a KV cache).

import { noGrad } from '../autograd/tape.js';
import { withArena } from '../kernels/memory.js';
import type { StateOptions } from '../models/causal_lm.js';
import { ApiError } from './errors.js';
import type { SeqState, StateRows } from './batch_state.js';
import { StateCache } from './state_cache.js';
import type { Sampler } from './sampler.js';
import { stateRows, type ServeState, type StepModel } from './step_model.js';

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
  /** Prompts prefilled together at most (default maxBatch; 1 prefills one prompt at a time). */
  prefillBatch?: number;
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
  readonly layout: StateRows<ServeState>;
  readonly cache: StateCache;
  private readonly queue: Sequence[] = [];
  /** Running sequences; active[i] owns row i of the batch state. */
  private readonly active: Sequence[] = [];
  /** Prompts being prefilled; prefilling[i] owns row i of the prefill state. */
  private readonly prefilling: Sequence[] = [];
  private readonly batch: Rows;
  private readonly prefillRows: Rows;
  private scheduled = false;
  private closed = false;
  /** Tokens generated, prompt tokens run through the model, prefill passes and the prompts in them (Σ rows), since start. */
  readonly counters = { steps: 0, generated: 0, prefilled: 0, cachedPromptTokens: 0, prefillPasses: 0, prefillRows: 0 };

  constructor(
    private readonly model: StepModel,
    private readonly opts: SchedulerOptions,
  ) {
    this.layout = stateRows(model);
    this.cache = new StateCache(opts.cacheBytes);
    this.batch = new Rows(model, this.layout, opts);
    this.prefillRows = new Rows(model, this.layout, opts);
  }

  get running(): number {
    return this.active.length + this.prefilling.length;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Bytes of state the running sequences hold (a recurrent state's are constant, a KV cache's grow
   * with the sequence), and what the batch and prefill states have allocated: a KV cache gives
   * every row the capacity of its longest sequence.
   */
  stateBytes(): { bytes: number; allocated_bytes: number; sequences: number } {
    let bytes = 0;
    this.active.forEach((_, i) => (bytes += this.layout.rowBytes(this.batch.state!, i)));
    this.prefilling.forEach((_, i) => (bytes += this.layout.rowBytes(this.prefillRows.state!, i)));
    const allocated = [this.batch.state, this.prefillRows.state].reduce((a, s) => a + (s ? this.layout.allocatedBytes(s) : 0), 0);
    return { bytes, allocated_bytes: allocated, sequences: this.running };
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
    if (this.queue.length > 0 || this.active.length > 0 || this.prefilling.length > 0) this.schedule();
  }

  private dropCancelled(): void {
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].cancelled) this.queue.splice(i, 1);
    for (let i = this.prefilling.length - 1; i >= 0; i--) if (this.prefilling[i].cancelled) this.prefillRows.leave(this.prefilling, i);
    for (let i = this.active.length - 1; i >= 0; i--) if (this.active[i].cancelled) this.batch.leave(this.active, i);
  }

  /**
   * Runs waiting prompts through the model, `prefillChunk` tokens at most, several in one pass;
   * finished ones join the batch. A prompt is admitted when it fits in what the admitted ones
   * leave of the budget (or none is admitted), so the prompts of a pass finish in this turn, in
   * about arrival order, rather than all a turn later or all at the end.
   */
  private prefill(): void {
    let budget = this.opts.prefillChunk;
    const most = Math.min(this.opts.maxBatch, this.opts.prefillBatch ?? this.opts.maxBatch);
    const V = this.model.config.vocab_size;
    while (budget > 0) {
      let remaining = this.prefilling.reduce((a, s) => a + s.req.prompt.length - s.pos, 0);
      while (this.queue.length > 0 && this.prefilling.length < most && this.active.length + this.prefilling.length < this.opts.maxBatch) {
        // The whole prompt must fit (a cached prefix would only make it shorter).
        if (this.prefilling.length > 0 && remaining + this.queue[0].req.prompt.length > budget) break;
        const seq = this.queue.shift()!;
        if (this.admit(seq)) remaining += seq.req.prompt.length - seq.pos;
      }
      const G = this.prefilling.length;
      if (G === 0) return;
      const shortest = this.prefilling.reduce((a, s) => Math.min(a, s.req.prompt.length - s.pos), Infinity);
      const n = Math.max(1, Math.min(shortest, Math.floor(budget / G)));
      const ids = new Int32Array(G * n); // [G, n]
      this.prefilling.forEach((s, r) => ids.set(s.req.prompt.subarray(s.pos, s.pos + n), r * n));
      const state = this.prefillRows.view(G);
      const logits = withArena(() => noGrad(() => this.model.prefill(ids, G, n, state).data.slice())); // [G, V]
      budget -= G * n;
      this.counters.prefilled += G * n;
      this.counters.prefillPasses++;
      this.counters.prefillRows += G;
      for (const s of this.prefilling) s.pos += n;
      for (let r = G - 1; r >= 0; r--) {
        const seq = this.prefilling[r];
        if (seq.pos < seq.req.prompt.length) continue;
        const row = logits.slice(r * V, (r + 1) * V);
        if (this.opts.cacheBytes > 0) this.cache.insert(seq.req.prompt, this.layout.read(this.prefillRows.state!, r), row);
        this.join(seq, row, (to) => this.layout.move(this.prefillRows.state!, r, this.batch.state!, to));
        this.prefillRows.leave(this.prefilling, r);
      }
    }
  }

  /**
   * Starts a waiting sequence from its longest cached prefix: a prompt cached whole joins the
   * batch at once (false), any other takes a row of the prefill state (true).
   */
  private admit(seq: Sequence): boolean {
    const prompt = seq.req.prompt;
    const hit = this.opts.cacheBytes > 0 ? this.cache.lookup(prompt) : null;
    seq.pos = hit ? hit.ids.length : 0;
    this.counters.cachedPromptTokens += seq.pos;
    seq.req.onPrefilled?.(seq.pos);
    if (hit && seq.pos === prompt.length) {
      const state: SeqState = hit.state;
      this.join(seq, hit.logits, (to) => this.layout.write(this.batch.state!, to, state));
      return false;
    }
    const r = this.prefilling.length;
    this.prefillRows.ensure(r + 1);
    if (hit) this.layout.write(this.prefillRows.state!, r, hit.state);
    else this.layout.clear(this.prefillRows.state!, r);
    this.prefilling.push(seq);
    return true;
  }

  /** A prompt is processed: its first token, then (unless that finished it) a batch row filled by `put`. */
  private join(seq: Sequence, logits: Float32Array, put: (row: number) => void): void {
    if (this.accept(seq, logits)) {
      seq.req.onDone(seq.generated.length >= seq.req.maxTokens ? 'length' : 'stop');
      return;
    }
    this.batch.ensure(this.active.length + 1);
    put(this.active.length);
    this.active.push(seq);
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
    const state = this.batch.view(B);
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
      this.batch.leave(this.active, finished[i]);
      seq.req.onDone(seq.generated.length >= seq.req.maxTokens ? 'length' : 'stop');
    }
  }

  private failAll(err: Error): void {
    const all = [...this.active, ...this.queue, ...this.prefilling];
    this.active.length = 0;
    this.queue.length = 0;
    this.prefilling.length = 0;
    for (const s of all) s.req.onError(err);
  }
}

/** A state whose rows belong to a list of sequences (the batch's, or the prompts being prefilled). */
class Rows {
  state: ServeState | null = null;
  private capacity = 0;
  private readonly views = new Map<number, ServeState>();

  constructor(
    private readonly model: StepModel,
    private readonly layout: StateRows<ServeState>,
    private readonly opts: SchedulerOptions,
  ) {}

  /** Room for `rows` sequences (grown by doubling, up to maxBatch; rows kept). */
  ensure(rows: number): void {
    if (rows <= this.capacity) return;
    const capacity = Math.min(this.opts.maxBatch, Math.max(rows, 4, 2 * this.capacity));
    const next = this.model.initState(capacity, this.opts.state);
    for (let i = 0; i < this.capacity; i++) this.layout.move(this.state!, i, next, i);
    this.state = next;
    this.capacity = capacity;
    this.views.clear();
  }

  /** The first `batch` rows. */
  view(batch: number): ServeState {
    let v = this.views.get(batch);
    if (!v) this.views.set(batch, (v = this.layout.view(this.state!, batch)));
    return v;
  }

  /** Removes row i of `seqs`: the last row moves into it. */
  leave(seqs: Sequence[], i: number): void {
    const last = seqs.length - 1;
    if (i !== last) this.layout.move(this.state!, last, this.state!, i);
    this.layout.clear(this.state!, last);
    seqs[i] = seqs[last];
    seqs.pop();
  }
}
