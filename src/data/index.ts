// Data for language models: tokenizers, corpora, batches.

export { CharTokenizer, ByteTokenizer, tokenizerFromJSON, streamDecoder, type Tokenizer, type TokenizerJson, type HfTokenizerJson, type LegacyTokenizerJson } from './tokenizer.js';
export { HfTokenizer } from './hf_tokenizer.js';
export { loadMobyDick, loadTextFile, splitTrainVal, checkSplitLength, assertSplitLongEnough } from './corpus.js';
export { BatchSampler, evalBatches, type TokenBatch, type BatchSamplerState, type BatchOptions } from './batches.js';
export {
  delayedRecall, runningParity, selectiveCopying, inductionHeads, makeTask, IGNORE_INDEX, TASK_NAMES, type TaskBatch, type TaskOptions, type Task, type TaskName,
} from './tasks.js';
