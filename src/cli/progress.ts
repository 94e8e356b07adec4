// The training progress bar (cli-progress on a terminal; plain log lines otherwise).

import cliProgress from 'cli-progress';
import type { TrainCallbacks } from '../train/trainer.js';

export class TrainProgress {
  private bar: cliProgress.SingleBar | null = null;
  private lastLog = 0;

  constructor(
    private readonly total: number,
    interactive: boolean,
  ) {
    if (interactive) {
      this.bar = new cliProgress.SingleBar(
        {
          format: 'train [{bar}] {value}/{total} · loss {loss} · val bpc {valBpc} · {tps} tok/s · ETA {eta_formatted}',
          barsize: 24,
          hideCursor: true,
          etaBuffer: 50,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      );
    }
  }

  callbacks(): TrainCallbacks {
    let valBpc = '–';
    let started = false;
    return {
      onStep: (s) => {
        const payload = { loss: s.loss.toFixed(3), valBpc, tps: Math.round(s.tokensPerSec).toLocaleString() };
        if (this.bar) {
          if (!started) this.bar.start(this.total, s.step - 1, payload);
          started = true;
          this.bar.update(s.step, payload);
        } else if (Date.now() - this.lastLog > 10_000 || s.step === this.total) {
          this.lastLog = Date.now();
          console.error(`step ${s.step}/${this.total} · loss ${payload.loss} · ${payload.tps} tok/s · lr ${s.lr.toExponential(2)}`);
        }
      },
      onEval: (e) => {
        valBpc = e.valBpc.toFixed(3);
        if (!this.bar) console.error(`step ${e.step} · val loss ${e.valLoss.toFixed(4)} · val bpc ${valBpc}`);
      },
    };
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
