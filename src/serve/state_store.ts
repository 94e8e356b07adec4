// Saving a conversation's state to disk and restoring it (POST /v1/states/save and /load, an
// extension of the API): save writes the longest cached prefix of the conversation (its messages
// rendered as for the next turn, or a prompt) to `<state dir>/<name>.safetensors`; load puts a
// saved state back in the cache, so the conversation's next request runs only its new tokens,
// even after a restart.

import fs from 'node:fs';
import path from 'node:path';
import { invalid } from './errors.js';
import { parseMessages } from './protocol.js';
import type { Scheduler } from './scheduler.js';
import type { ServedModel } from './served_model.js';
import { loadState, saveState } from './state_file.js';

type Body = Record<string, unknown>;

export class StateStore {
  constructor(
    readonly dir: string,
    private readonly served: ServedModel,
    private readonly scheduler: Scheduler,
  ) {
    fs.mkdirSync(dir, { recursive: true });
  }

  private file(body: Body, known: string[]): string {
    for (const key of Object.keys(body)) if (!known.includes(key)) throw invalid(key, `unrecognized argument (known: ${known.join(', ')})`, 'unknown_parameter');
    const name = body.name;
    if (typeof name !== 'string' || !/^[\w.-]{1,100}$/.test(name) || name.startsWith('.')) {
      throw invalid('name', 'expected a name of letters, digits, "_", "-" and "." (a file name in the state directory)', 'invalid_value');
    }
    return path.join(this.dir, `${name}.safetensors`);
  }

  save(body: Body): object {
    const file = this.file(body, ['name', 'messages', 'prompt']);
    let ids: Int32Array;
    if (body.messages !== undefined) ids = this.served.tokenizer.encode(this.served.chat.render(parseMessages(body)));
    else if (typeof body.prompt === 'string') ids = this.served.tokenizer.encode(body.prompt);
    else if (Array.isArray(body.prompt) && body.prompt.every((id) => Number.isInteger(id))) ids = Int32Array.from(body.prompt as number[]);
    else throw invalid('prompt', 'give "messages" (a chat) or "prompt" (text or token ids)', 'invalid_type');
    const entry = this.scheduler.cache.lookup(ids);
    if (!entry) throw invalid(body.messages !== undefined ? 'messages' : 'prompt', 'no state of this conversation is cached (send a request with it first)', 'state_not_cached');
    saveState(file, this.scheduler.layout, entry);
    return { object: 'state', name: body.name, tokens: entry.ids.length, conversation_tokens: ids.length, bytes: fs.statSync(file).size };
  }

  load(body: Body): object {
    const file = this.file(body, ['name']);
    if (!fs.existsSync(file)) throw invalid('name', `no saved state ${JSON.stringify(body.name)} in ${this.dir}`, 'state_not_found');
    const entry = loadState(file, this.scheduler.layout, this.served.model.config.vocab_size);
    this.scheduler.cache.insert(entry.ids, entry.state, entry.logits);
    return { object: 'state', name: body.name, tokens: entry.ids.length };
  }
}
