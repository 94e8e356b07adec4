// `mamba-ts serve --model DIR` starts, says where it listens, answers, and stops on SIGTERM.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tinyModelFolder } from './fixture.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('mamba-ts serve listens on the given host and port and serves the folder by its name', async () => {
  const folder = tinyModelFolder();
  const child = spawn(process.execPath, [cli, 'serve', '--model', folder.dir, '--port', '0', '--name', 'pip', '--max-batch', '4'], {
    env: { ...process.env, MAMBA_TS_THREADS: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /at (http:\/\/\S+)\/v1 /.exec(err);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] };
    assert.deepEqual(models.data.map((m) => m.id), ['pip']);
    const res = await fetch(`${url}/v1/completions`, { method: 'POST', body: JSON.stringify({ model: 'pip', prompt: 'hi', max_tokens: 3 }) });
    assert.equal(res.status, 200);
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    folder.remove();
  }
});
