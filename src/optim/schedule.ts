// Learning-rate schedule: linear warmup from 0 to lr over warmupSteps, cosine decay to minLr at
// totalSteps, then minLr (the nanoGPT schedule).

export interface CosineSchedule {
  lr: number;
  minLr: number;
  warmupSteps: number;
  totalSteps: number;
}

export function cosineWithWarmup({ lr, minLr, warmupSteps, totalSteps }: CosineSchedule): (step: number) => number {
  return (step: number): number => {
    if (step < warmupSteps) return (lr * step) / warmupSteps;
    if (step >= totalSteps) return minLr;
    const progress = (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
    return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * progress));
  };
}
