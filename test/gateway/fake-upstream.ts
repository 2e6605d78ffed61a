import http, { type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import net from 'node:net';

/** What a fake upstream saw, in arrival order. */
export interface SeenRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** performance.now() when the request arrived. */
  at: number;
}

export type Handler = (req: SeenRequest, res: ServerResponse) => void | Promise<void>;

export interface FakeUpstream {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  requests: SeenRequest[];
  /** Requests seen, optionally only those to `path`. */
  count(path?: string): number;
  connections: number;
  handler: Handler;
  close(): Promise<void>;
}

export function json(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const payload = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

/** A real HTTP server on 127.0.0.1 (random port) recording every request it gets. */
export async function startUpstream(handler: Handler): Promise<FakeUpstream> {
  const requests: SeenRequest[] = [];
  const upstream: FakeUpstream = {
    url: '',
    port: 0,
    requests,
    connections: 0,
    handler,
    count: (path?: string) => (path === undefined ? requests.length : requests.filter((r) => r.path === path).length),
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const seen: SeenRequest = {
        method: req.method ?? 'GET',
        url,
        path: url.split('?')[0],
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at,
      };
      requests.push(seen);
      Promise.resolve(upstream.handler(seen, res)).catch(() => {
        if (!res.headersSent) json(res, 500, { error: 'handler failed' });
      });
    });
  });
  server.on('connection', () => upstream.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  upstream.port = port;
  upstream.url = `http://127.0.0.1:${port}`;
  upstream.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return upstream;
}

/**
 * A TCP listener on 127.0.0.1 whose accept queue is full, so a new connection's handshake never
 * completes. The listening socket lives in a worker whose event loop is blocked (it never calls
 * accept); we fill its backlog of 1 with sockets until one no longer connects.
 */
export async function startBlackhole(): Promise<{ url: string; close(): Promise<void> }> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const server = require('node:net').createServer();
     server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       Atomics.wait(workerData, 0, 0);
       server.close();
     });`,
    { eval: true, workerData: flag },
  );
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 16; i++) {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    fillers.push(socket);
    const connected = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 300);
      socket.once('connect', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
    if (!connected) break;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const s of fillers) s.destroy();
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      await worker.terminate();
    },
  };
}

/** Gaps in ms between consecutive arrivals. */
export const gaps = (requests: SeenRequest[]): number[] => requests.slice(1).map((r, i) => r.at - requests[i].at);

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Collects log lines so tests can assert what was (and was not) logged. */
export class MemoryLogger {
  readonly lines: Array<{ level: 'info' | 'warn'; obj: Record<string, unknown>; msg: string }> = [];
  info(obj: Record<string, unknown>, msg: string): void {
    this.lines.push({ level: 'info', obj, msg });
  }
  warn(obj: Record<string, unknown>, msg: string): void {
    this.lines.push({ level: 'warn', obj, msg });
  }
  attempts(): Array<Record<string, unknown>> {
    return this.lines.filter((l) => /upstream attempt/.test(l.msg)).map((l) => l.obj);
  }
}
