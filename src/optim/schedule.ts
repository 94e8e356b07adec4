// Learning-rate schedule: linear warmup to lr over warmupSteps, cosine decay to minLr at
// totalSteps, then minLr (the nanoGPT schedule). Steps count from 0, and step s of the warmup
// runs at lr·(s + 1)/warmupSteps: the first step learns, and the last warmup step is at lr.

export interface CosineSchedule {
  lr: number;
  minLr: number;
  warmupSteps: number;
  totalSteps: number;
}

export function cosineWithWarmup({ lr, minLr, warmupSteps, totalSteps }: CosineSchedule): (step: number) => number {
  return (step: number): number => {
    if (step < warmupSteps) return (lr * (step + 1)) / warmupSteps;
    if (step >= totalSteps) return minLr;
    const progress = (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
    return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * progress));
  };
}
