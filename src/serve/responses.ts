// The response objects of the OpenAI API, whole and as stream chunks.

import { randomBytes } from 'node:crypto';
import type { FinishReason } from './scheduler.js';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

export function usage(prompt: number, completion: number, cached: number): Usage {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cached } };
}

export function responseId(kind: 'completion' | 'chat'): string {
  return `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomBytes(12).toString('hex')}`;
}

/** The fields every response and chunk of one request shares. */
export interface Head {
  id: string;
  created: number;
  model: string;
}

export function completion(head: Head, texts: string[], reasons: FinishReason[], u: Usage): object {
  return {
    ...head,
    object: 'text_completion',
    choices: texts.map((text, index) => ({ index, text, logprobs: null, finish_reason: reasons[index] })),
    usage: u,
  };
}

export function chatCompletion(head: Head, texts: string[], reasons: FinishReason[], u: Usage): object {
  return {
    ...head,
    object: 'chat.completion',
    choices: texts.map((content, index) => ({ index, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: reasons[index] })),
    usage: u,
  };
}

/** A stream chunk of one choice: new text, or its finish reason (text ''). With include_usage every chunk has usage: null. */
export function chunk(kind: 'completion' | 'chat', head: Head, index: number, text: string, reason: FinishReason | null, withUsage: boolean, first = false): object {
  const tail = withUsage ? { usage: null } : {};
  if (kind === 'completion') {
    return { ...head, object: 'text_completion', choices: [{ index, text, logprobs: null, finish_reason: reason }], ...tail };
  }
  const delta = reason !== null ? {} : first ? { role: 'assistant', content: text } : { content: text };
  return { ...head, object: 'chat.completion.chunk', choices: [{ index, delta, logprobs: null, finish_reason: reason }], ...tail };
}

/** The last chunk when stream_options.include_usage is set: no choices, the request's usage. */
export function usageChunk(kind: 'completion' | 'chat', head: Head, u: Usage): object {
  return { ...head, object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', choices: [], usage: u };
}
