// A pool worker in Node (worker_threads): its WorkerInit arrives as workerData.

import { workerData } from 'node:worker_threads';
import { serve, WorkerInit } from './worker_loop.js';

serve(workerData as WorkerInit);
