// Progress on stderr: a cli-progress bar on a terminal, plain log lines otherwise. StepProgress
// counts optimizer steps; TrainProgress and the task command give it their fields.

import cliProgress from 'cli-progress';
import type { TrainCallbacks } from '../train/trainer.js';

export class StepProgress {
  private bar: cliProgress.SingleBar | null = null;
  private started = false;
  private lastLog = 0;

  /** `format` is a cli-progress format: {bar}, {value}, {total}, {eta_formatted} and the payload's fields. */
  constructor(
    private readonly total: number,
    interactive: boolean,
    format: string,
  ) {
    if (interactive) {
      this.bar = new cliProgress.SingleBar(
        { format, barsize: 24, hideCursor: true, etaBuffer: 50, stream: process.stderr },
        cliProgress.Presets.shades_classic,
      );
    }
  }

  /** Moves the bar to `step`; without a bar, prints line() at most every 10 s and at the last step. */
  update(step: number, payload: Record<string, string>, line: () => string): void {
    if (this.bar) {
      if (!this.started) this.bar.start(this.total, step - 1, payload);
      this.started = true;
      this.bar.update(step, payload);
    } else if (Date.now() - this.lastLog > 10_000 || step === this.total) {
      this.lastLog = Date.now();
      console.error(line());
    }
  }

  /** A line for the log when there is no bar (the bar shows the same in its fields). */
  note(line: string): void {
    if (!this.bar) console.error(line);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

/** The text trainer's bar: loss, validation bits per character (bpc) and tokens per second. */
export class TrainProgress {
  private readonly progress: StepProgress;

  constructor(
    private readonly total: number,
    interactive: boolean,
  ) {
    this.progress = new StepProgress(total, interactive, 'train [{bar}] {value}/{total} · loss {loss} · val bpc {valBpc} · {tps} tok/s · ETA {eta_formatted}');
  }

  callbacks(): TrainCallbacks {
    let valBpc = '–';
    return {
      onStep: (s) => {
        const payload = { loss: s.loss.toFixed(3), valBpc, tps: Math.round(s.tokensPerSec).toLocaleString() };
        this.progress.update(s.step, payload, () => `step ${s.step}/${this.total} · loss ${payload.loss} · ${payload.tps} tok/s · lr ${s.lr.toExponential(2)}`);
      },
      onEval: (e) => {
        valBpc = e.bitsPerChar.toFixed(3);
        this.progress.note(`step ${e.step} · val loss ${e.valLoss.toFixed(4)} · ${e.bitsPerToken.toFixed(3)} bits per token · ${valBpc} bits per character`);
      },
    };
  }

  stop(): void {
    this.progress.stop();
  }
}
