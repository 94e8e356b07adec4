// Chat messages → prompt text through the model's Jinja chat template (tokenizer_config.json's
// `chat_template`, or a chat_template.jinja beside it, as transformers reads them), rendered by
// @huggingface/jinja, the implementation transformers.js uses. A model without one gets ChatML
// (DEFAULT_CHAT_TEMPLATE), whose turn end `<|im_end|>` is then a stop sequence of every chat.

import { Template } from '@huggingface/jinja';
import { ApiError } from './errors.js';
import type { ChatMessage } from './protocol.js';

/** ChatML, as Qwen and many fine-tunes use it. */
export const DEFAULT_CHAT_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
export const DEFAULT_TURN_END = '<|im_end|>';

export class ChatTemplate {
  private readonly template: Template;

  constructor(
    source: string,
    /** Where it came from, for errors. */
    private readonly origin: string,
    /** Special tokens the template may use (bos_token, eos_token, ...). */
    private readonly tokens: Record<string, string>,
  ) {
    try {
      this.template = new Template(source);
    } catch (err) {
      throw new Error(`${origin}: the chat template does not parse: ${(err as Error).message}`);
    }
  }

  render(messages: ChatMessage[]): string {
    try {
      return this.template.render({ messages, add_generation_prompt: true, ...this.tokens });
    } catch (err) {
      // Templates raise on conversations they refuse (e.g. roles not alternating).
      throw new ApiError(400, `messages: the model's chat template (${this.origin}) refused them: ${(err as Error).message}`, 'messages', 'chat_template_error');
    }
  }
}
