// Builds the model a config describes, chosen by its Hugging Face `model_type`: the one place that
// knows every architecture, so that training, loading and generation code never names a class.

import type { CausalLM, CausalLMConfig } from './causal_lm.js';
import type { BackboneConfig } from './config.js';
import { LanguageModel } from './language_model.js';
import { TransformerLM } from './transformer.js';
import { llamaConfig, type LlamaConfigInput } from './llama_config.js';

export const MODEL_TYPES = ['mamba', 'falcon_mamba', 'mamba2', 'llama'] as const;

/** A freshly initialised model of `config` (weights drawn from `seed`, default 0). */
export function createModel(config: CausalLMConfig, opts: { seed?: number } = {}): CausalLM {
  const type = config.model_type ?? 'mamba';
  switch (type) {
    case 'mamba':
    case 'falcon_mamba': // Mamba blocks whose mixers read mixer_rms_eps
    case 'mamba2': // the same backbone with Mamba-2 (SSD) mixers
      return new LanguageModel(config as BackboneConfig, opts);
    case 'llama':
      return new TransformerLM(llamaConfig(config as unknown as LlamaConfigInput, 'config'), opts);
    default:
      throw new Error(`config model_type ${JSON.stringify(type)} is not supported (known: ${MODEL_TYPES.map((t) => `"${t}"`).join(', ')})`);
  }
}
