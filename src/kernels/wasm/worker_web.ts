// A pool worker in a browser (a module Web Worker): its WorkerInit arrives as the first message.
// Blocking in Atomics.wait is allowed in workers (not on a page's main thread).

import { serve, WorkerInit } from './worker_loop.js';

globalThis.addEventListener('message', (e: Event) => serve((e as MessageEvent<WorkerInit>).data), { once: true });
