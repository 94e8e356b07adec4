// The HTTP layer on node:http: routes, JSON bodies, errors in OpenAI's shape, server-sent events.
//   GET  /health                  {"status": "ok", running and waiting sequences, cache figures,
//                                 the state bytes the running sequences hold}
//   GET  /v1/models[/{id}]        the one model this server serves
//   POST /v1/completions          text completion (protocol.ts)
//   POST /v1/chat/completions     chat through the model's template
//   POST /v1/states/save|load     extension: a conversation's state to and from --state-dir

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError } from './errors.js';
import { parseChat, parseCompletion, type RequestLimits } from './protocol.js';
import { runRequest, type GenerationLimits, type Output } from './generation.js';
import type { Scheduler } from './scheduler.js';
import type { ServedModel } from './served_model.js';
import { StateStore } from './state_store.js';

export interface HttpContext {
  served: ServedModel;
  scheduler: Scheduler;
  limits: RequestLimits & GenerationLimits & { maxBodyBytes: number };
  states: StateStore | null;
  started: number;
}

function sendJson(res: http.ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: http.ServerResponse, err: unknown): void {
  const e = err instanceof ApiError ? err : new ApiError(500, `internal error: ${(err as Error)?.message ?? String(err)}`, null, 'internal_error');
  sendJson(res, e.status, e.body(), e.retryAfter !== undefined ? { 'Retry-After': String(e.retryAfter) } : {});
}

async function readJson(req: http.IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req) {
    size += (part as Buffer).length;
    if (size > maxBytes) throw new ApiError(413, `the request body exceeds ${maxBytes} bytes`, null, 'request_too_large');
    parts.push(part as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(parts).toString('utf8'));
  } catch (err) {
    throw new ApiError(400, `We could not parse the JSON body of your request: ${(err as Error).message}`, null, 'invalid_json');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'the request body must be a JSON object', null, 'invalid_json');
  return body as Record<string, unknown>;
}

function output(res: http.ServerResponse): Output {
  const open = () => {
    if (res.headersSent) return;
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    res.flushHeaders();
  };
  return {
    json: (status, body) => sendJson(res, status, body),
    open,
    event: (body) => {
      if (res.writableEnded || res.destroyed) return; // the client went away: its sequences are being cancelled
      open();
      res.write(`data: ${body === '[DONE]' ? body : JSON.stringify(body)}\n\n`);
    },
    end: () => res.end(),
    onDisconnect: (fn) => {
      // The client may have gone while its request was read and checked.
      if (res.destroyed || res.socket?.destroyed !== false) return fn();
      res.on('close', () => !res.writableFinished && fn());
    },
  };
}

function modelObject(ctx: HttpContext): object {
  return { id: ctx.served.name, object: 'model', created: Math.floor(ctx.started / 1000), owned_by: 'mamba-ts' };
}

async function route(ctx: HttpContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const p = url.pathname.replace(/\/+$/, '') || '/';
  const { scheduler } = ctx;
  if (req.method === 'GET' && p === '/health') {
    const c = scheduler.cache;
    return sendJson(res, 200, {
      status: 'ok', model: ctx.served.name, running: scheduler.running, waiting: scheduler.waiting,
      cache: { entries: c.size, bytes: c.bytes, max_bytes: c.maxBytes, hits: c.hits, misses: c.misses }, counters: scheduler.counters,
      state: { ...scheduler.stateBytes() },
    });
  }
  if (req.method === 'GET' && p === '/v1/models') return sendJson(res, 200, { object: 'list', data: [modelObject(ctx)] });
  if (req.method === 'GET' && p.startsWith('/v1/models/')) {
    const id = decodeURIComponent(p.slice('/v1/models/'.length));
    if (id !== ctx.served.name) throw new ApiError(404, `The model \`${id}\` does not exist`, 'model', 'model_not_found');
    return sendJson(res, 200, modelObject(ctx));
  }
  const post = { '/v1/completions': 'completion', '/v1/chat/completions': 'chat', '/v1/states/save': 'save', '/v1/states/load': 'load' }[p];
  if (!post) throw new ApiError(404, `Unknown route ${req.method} ${url.pathname}`, null, 'not_found');
  if (req.method !== 'POST') throw new ApiError(405, `${url.pathname} takes POST`, null, 'method_not_allowed');
  const body = await readJson(req, ctx.limits.maxBodyBytes);
  if (post === 'save' || post === 'load') {
    if (!ctx.states) throw new ApiError(400, 'saving states needs the server option --state-dir', null, 'no_state_dir');
    return sendJson(res, 200, post === 'save' ? ctx.states.save(body) : ctx.states.load(body));
  }
  const parsed = post === 'chat' ? parseChat(body, ctx.limits) : parseCompletion(body, ctx.limits);
  runRequest(ctx.served, scheduler, parsed, ctx.limits, output(res));
}

export function createHttpServer(ctx: HttpContext): http.Server {
  return http.createServer((req, res) => {
    route(ctx, req, res).catch((err) => sendError(res, err));
  });
}

/** Listens and resolves with the bound address (port 0: a free port). */
export function listen(server: http.Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}
