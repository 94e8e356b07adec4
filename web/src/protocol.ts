// The messages between the page (main.ts) and the lab's Web Worker (lab_worker.ts).

import type { LayerRecord } from '../../src/browser.js';
import type { Arch, FolderFiles, Preset } from './lab.js';

export interface SamplingRequest {
  prompt: string;
  maxTokens: number;
  temperature: number;
  topK: number;
  topP: number;
}

export type Request =
  | { type: 'init'; wasm: string }
  | { type: 'train'; text: string; arch: Arch; preset: Preset; steps: number; seed: number }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'generate'; sampling: SamplingRequest }
  | { type: 'inspect'; text: string }
  | { type: 'save' }
  | { type: 'load'; files: FolderFiles }
  | { type: 'logits'; text: string };

export interface Eigenvalues {
  layer: number;
  re: Float32Array;
  im: Float32Array | null;
}

export type Reply =
  | { type: 'ready'; backend: string; isolated: boolean }
  | { type: 'model'; arch: Arch; params: number; vocab: number; description: string; canTrain: boolean }
  | { type: 'step'; step: number; steps: number; loss: number; tokensPerSec: number }
  | { type: 'eval'; step: number; bpc: number }
  | { type: 'eigen'; step: number; layers: Eigenvalues[] }
  | { type: 'trained'; step: number; paused: boolean }
  | { type: 'text'; piece: string }
  | { type: 'generated'; tokens: number; tokensPerSec: number }
  | { type: 'inspection'; arch: Arch; tokens: string[]; layers: LayerRecord[] }
  | { type: 'folder'; files: FolderFiles }
  | { type: 'logits'; data: Float32Array }
  | { type: 'error'; message: string };
