import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { WebhookSourceConfig } from '../../../config/app.config.js';
import { ProblemException } from '../../../common/http/problem.js';
import { createWebhookGate, registerWebhookIntake, WEBHOOK_PREFIX, type WebhookDelivery } from './webhook-intake.js';
import { waitFor } from '../../../../test/support/wait.js';

const MAX_BYTES = 1024;

const SOURCES: Record<string, WebhookSourceConfig> = {
  open: { name: 'open', scheme: 'github', secrets: ['s'], allowedIps: [] },
  local: { name: 'local', scheme: 'standard', secrets: ['whsec_c2VjcmV0'], allowedIps: ['127.0.0.1/32', '::1/128'] },
  remote: { name: 'remote', scheme: 'stripe', secrets: ['whsec_x'], allowedIps: ['203.0.113.0/24', '2001:db8::/32'] },
};

interface Harness {
  app: FastifyInstance;
  deliveries: WebhookDelivery[];
  /** Requests that got as far as reading a body (a parent `preParsing` hook, inherited by the webhook scope). */
  parsing: string[];
}

async function build(
  serverOptions: FastifyServerOptions = {},
  handle?: (d: WebhookDelivery) => unknown,
): Promise<Harness> {
  const app = Fastify({ bodyLimit: 64, ...serverOptions });
  const deliveries: WebhookDelivery[] = [];
  const parsing: string[] = [];
  app.addHook('preParsing', async (request, _reply, payload) => {
    parsing.push(request.url);
    return payload;
  });
  registerWebhookIntake(app, {
    sources: SOURCES,
    maxBytes: MAX_BYTES,
    logger: { error: () => undefined },
    handle: (delivery) => {
      deliveries.push(delivery);
      if (handle) return handle(delivery);
      return {
        source: delivery.source.name,
        bytes: delivery.body.length,
        sha256: createHash('sha256').update(delivery.body).digest('hex'),
      };
    },
  });
  // A route outside the webhook scope, registered after it, as Nest's controllers are.
  app.post('/api/v1/other', async (request) => ({ body: request.body as unknown }));
  await app.ready();
  return { app, deliveries, parsing };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.body) as { status: number; type: string; title: string; instance: string };
  expect(body.status).toBe(status);
  return body;
}

describe('registerWebhookIntake (inject)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await build();
  });
  afterEach(async () => {
    await h.app.close();
  });

  it('hands the body over as the exact bytes sent, whatever the content type', async () => {
    const bodies: [string | undefined, Buffer][] = [
      ['application/json', Buffer.from('{"type":"x","id":"evt_1"}')],
      ['application/json; charset=utf-8', Buffer.from('{ "spaced" :  true }\r\n')],
      ['application/json', Buffer.from('{not json')],
      ['application/json', Buffer.from([0xff, 0xfe, 0x7b, 0x7d, 0x80, 0x00, 0xc3, 0x28])],
      ['text/plain', Buffer.from('caf\u00e9 \u2603')],
      ['application/x-www-form-urlencoded', Buffer.from('payload=%7B%22a%22%3A1%7D')],
      ['application/octet-stream', Buffer.from([0, 1, 2, 253, 254, 255])],
      ['application/vnd.custom+json', Buffer.from('{"__proto__":{"polluted":true}}')],
      [undefined, Buffer.from('no content type at all')],
    ];
    for (const [contentType, payload] of bodies) {
      const res = await h.app.inject({
        method: 'POST',
        url: `${WEBHOOK_PREFIX}/open`,
        headers: contentType ? { 'content-type': contentType } : {},
        payload,
      });
      expect([contentType, res.statusCode]).toEqual([contentType, 200]);
      expect(res.json()).toEqual({ source: 'open', bytes: payload.length, sha256: sha256(payload) });
      const received = h.deliveries.at(-1)?.body;
      expect(Buffer.isBuffer(received)).toBe(true);
      expect(received?.equals(payload)).toBe(true);
    }
  });

  it('hands an empty Buffer over when there is no body', async () => {
    const res = await h.app.inject({ method: 'POST', url: `${WEBHOOK_PREFIX}/open` });
    expect(res.statusCode).toBe(200);
    expect(h.deliveries[0].body).toEqual(Buffer.alloc(0));
    expect(h.deliveries[0].source).toBe(SOURCES.open);
  });

  it('leaves other routes parsing JSON as before, with their own limit and media types', async () => {
    const ok = await h.app.inject({ method: 'POST', url: '/api/v1/other', payload: { a: 1 } });
    expect(ok.json()).toEqual({ body: { a: 1 } });
    const bad = await h.app.inject({
      method: 'POST',
      url: '/api/v1/other',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(bad.statusCode).toBe(400);
    const octets = await h.app.inject({
      method: 'POST',
      url: '/api/v1/other',
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.from([1, 2, 3]),
    });
    expect(octets.statusCode).toBe(415);
    // 100 bytes: over the instance's 64-byte limit, under the webhooks' 1024.
    const hundred = JSON.stringify({ pad: 'x'.repeat(90) });
    const other = await h.app.inject({
      method: 'POST',
      url: '/api/v1/other',
      payload: hundred,
      headers: { 'content-type': 'application/json' },
    });
    expect(other.statusCode).toBe(413);
    const webhook = await h.app.inject({
      method: 'POST',
      url: `${WEBHOOK_PREFIX}/open`,
      headers: { 'content-type': 'application/json' },
      payload: hundred,
    });
    expect(webhook.statusCode).toBe(200);
  });

  it('accepts exactly maxBytes and answers 413 (problem, connection closed) for one byte more', async () => {
    const exact = await h.app.inject({
      method: 'POST',
      url: `${WEBHOOK_PREFIX}/open`,
      headers: { 'content-type': 'application/json' },
      payload: Buffer.alloc(MAX_BYTES, 0x61),
    });
    expect(exact.statusCode).toBe(200);
    expect(h.deliveries).toHaveLength(1);
    const over = await h.app.inject({
      method: 'POST',
      url: `${WEBHOOK_PREFIX}/open`,
      headers: { 'content-type': 'application/json' },
      payload: Buffer.alloc(MAX_BYTES + 1, 0x61),
    });
    const problem = expectProblem(over, 413);
    expect(problem.type).toMatch(/\/payload-too-large$/);
    expect(problem).toMatchObject({
      detail: `The body exceeds ${MAX_BYTES} bytes`,
      instance: `${WEBHOOK_PREFIX}/open`,
    });
    expect(over.headers.connection).toBe('close');
    expect(h.deliveries).toHaveLength(1);
  });

  it('answers 404 for a source that is not configured, before reading the body', async () => {
    for (const name of ['nope', 'constructor', '__proto__', 'toString', 'OPEN']) {
      const res = await h.app.inject({
        method: 'POST',
        url: `${WEBHOOK_PREFIX}/${name}`,
        headers: { 'content-type': 'application/json' },
        payload: '{}',
      });
      const problem = expectProblem(res, 404);
      expect(problem.type).toMatch(/\/not-found$/);
      expect(problem.instance).toBe(`${WEBHOOK_PREFIX}/${name}`);
    }
    expect(h.deliveries).toHaveLength(0);
    expect(h.parsing).toHaveLength(0);
  });

  it('answers 403 to an address outside the allowlist, before reading the body', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: `${WEBHOOK_PREFIX}/remote`,
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' },
      payload: '{"id":"evt_1"}',
    });
    const problem = expectProblem(res, 403);
    expect(problem.type).toMatch(/\/forbidden$/);
    expect(problem).toMatchObject({ detail: 'Address 127.0.0.1 may not deliver webhooks to remote' });
    expect(res.headers.connection).toBe('close');
    expect(h.deliveries).toHaveLength(0);
    expect(h.parsing).toHaveLength(0);
  });

  it('matches IPv4, IPv6 and IPv4-mapped client addresses against the allowlist', async () => {
    const cases: [string, string, number][] = [
      ['remote', '203.0.113.9', 200],
      ['remote', '::ffff:203.0.113.9', 200],
      ['remote', '2001:db8::1', 200],
      ['remote', '203.0.114.1', 403],
      ['remote', '2001:db9::1', 403],
      ['local', '127.0.0.1', 200],
      ['local', '::ffff:127.0.0.1', 200],
      ['local', '::1', 200],
      ['local', '127.0.0.2', 403],
      ['open', '198.51.100.1', 200],
    ];
    for (const [source, remoteAddress, status] of cases) {
      const res = await h.app.inject({
        method: 'POST',
        url: `${WEBHOOK_PREFIX}/${source}`,
        remoteAddress,
        payload: 'x',
      });
      expect([source, remoteAddress, res.statusCode]).toEqual([source, remoteAddress, status]);
    }
    expect(h.parsing).toHaveLength(cases.filter(([, , s]) => s === 200).length);
  });

  it('turns a handler error into a problem', async () => {
    await h.app.close();
    h = await build({}, () => {
      throw new ProblemException({ type: 'service-unavailable', status: 503, detail: 'inbox down' });
    });
    const res = await h.app.inject({ method: 'POST', url: `${WEBHOOK_PREFIX}/open`, payload: 'x' });
    expect(expectProblem(res, 503)).toMatchObject({ detail: 'inbox down' });
  });
});

describe('registerWebhookIntake behind a proxy', () => {
  it('uses X-Forwarded-For only when the peer is a trusted proxy', async () => {
    const trusting = await build({ trustProxy: '127.0.0.1' });
    const direct = await build();
    try {
      const viaProxy = (app: FastifyInstance, xff: string) =>
        app.inject({
          method: 'POST',
          url: `${WEBHOOK_PREFIX}/remote`,
          headers: { 'x-forwarded-for': xff },
          payload: 'x',
        });
      expect((await viaProxy(trusting.app, '203.0.113.9')).statusCode).toBe(200);
      expect((await viaProxy(trusting.app, '198.51.100.1')).statusCode).toBe(403);
      expect((await viaProxy(trusting.app, '198.51.100.1, 203.0.113.9')).statusCode).toBe(200);
      expect((await viaProxy(direct.app, '203.0.113.9')).statusCode).toBe(403);
    } finally {
      await trusting.app.close();
      await direct.app.close();
    }
  });
});

describe('createWebhookGate / registerWebhookIntake configuration', () => {
  it('throws at start-up on an invalid CIDR, naming the source', () => {
    const bad = { gh: { name: 'gh', scheme: 'github' as const, secrets: ['s'], allowedIps: ['10.0.0.0/40'] } };
    expect(() => createWebhookGate(bad)).toThrow('webhook source "gh" allowed IPs: "10.0.0.0/40" is not a CIDR');
    const app = Fastify();
    expect(() => registerWebhookIntake(app, { sources: bad, maxBytes: 10, handle: () => 'ok' })).toThrow(/"gh"/);
    expect(() => registerWebhookIntake(app, { sources: {}, maxBytes: 0, handle: () => 'ok' })).toThrow(/maxBytes/);
  });
});

/** A bare HTTP/1.1 client on a socket, so a test can send headers and hold back the body. */
class RawClient {
  private data = Buffer.alloc(0);
  private closed = false;
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.data = Buffer.concat([this.data, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined); // the server may reset the connection it refused
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  write(text: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(text);
  }

  destroy(): void {
    this.socket.destroy();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Any byte of an answer received so far. */
  get answered(): boolean {
    return this.data.length > 0;
  }

  async response(timeoutMs: number): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    await this.until(() => this.parse() !== undefined, timeoutMs, 'a response');
    const parsed = this.parse();
    if (!parsed) throw new Error('unreachable');
    return parsed;
  }

  closedWithin(timeoutMs: number): Promise<void> {
    return this.until(() => this.closed, timeoutMs, 'the server to close the connection');
  }

  private parse() {
    const end = this.data.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const [statusLine, ...lines] = this.data.subarray(0, end).toString('latin1').split('\r\n');
    const headers = Object.fromEntries(
      lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
    );
    const length = Number(headers['content-length'] ?? 0);
    if (this.data.length < end + 4 + length) return undefined;
    const body = this.data.subarray(end + 4, end + 4 + length).toString('utf8');
    return { status: Number(statusLine.split(' ')[1]), headers, body };
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }
}

describe('registerWebhookIntake on a real socket (127.0.0.1)', () => {
  let h: Harness;
  let port: number;
  const clients: RawClient[] = [];
  const client = async () => {
    const c = await RawClient.open(port);
    clients.push(c);
    return c;
  };
  const head = (source: string, extra: string) =>
    `POST ${WEBHOOK_PREFIX}/${source} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${extra}\r\n`;

  beforeEach(async () => {
    h = await build();
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const address = h.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    port = address.port;
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await h.app.close();
  });

  it('answers 403 while the client still holds back the body it announced, and hangs up', async () => {
    const c = await client();
    c.write(head('remote', 'Content-Length: 100000\r\n'));
    c.write('{"id":');
    const res = await c.response(2000);
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(res.body)).toMatchObject({
      status: 403,
      detail: 'Address 127.0.0.1 may not deliver webhooks to remote',
    });
    await c.closedWithin(2000);
    expect(h.parsing).toHaveLength(0);
    expect(h.deliveries).toHaveLength(0);
  });

  it('answers 404 for an unknown source while the body is held back', async () => {
    const c = await client();
    c.write(head('unknown', 'Content-Length: 50\r\n'));
    expect((await c.response(2000)).status).toBe(404);
    await c.closedWithin(2000);
    expect(h.parsing).toHaveLength(0);
  });

  it('waits for the body of an allowed client, then hands over every byte', async () => {
    const body = Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x7d]);
    const c = await client();
    c.write(head('local', `Content-Length: ${body.length}\r\n`));
    // The server has taken the head and reads the body: no answer yet (the answer below carries the body's
    // hash, so it cannot have been sent before the body).
    await waitFor(() => h.parsing.length > 0, { what: 'the server to start reading the body' });
    expect(h.parsing).toEqual([`${WEBHOOK_PREFIX}/local`]);
    expect(c.answered).toBe(false);
    c.write(body);
    const res = await c.response(2000);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ source: 'local', bytes: body.length, sha256: sha256(body) });
    expect(h.deliveries[0].body.equals(body)).toBe(true);
  });

  it('answers 413 as soon as a chunked body passes the limit, before the client has finished', async () => {
    const c = await client();
    c.write(head('local', 'Transfer-Encoding: chunked\r\n'));
    const chunk = Buffer.alloc(256, 0x61);
    for (let sent = 0; sent <= MAX_BYTES; sent += chunk.length) {
      c.write(`${chunk.length.toString(16)}\r\n`);
      c.write(chunk);
      c.write('\r\n');
    }
    // The terminating 0-length chunk is never sent.
    const res = await c.response(2000);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ status: 413, detail: `The body exceeds ${MAX_BYTES} bytes` });
    await c.closedWithin(2000);
    expect(h.deliveries).toHaveLength(0);
  });

  it('answers 413 to a Content-Length over the limit without waiting for the body', async () => {
    const c = await client();
    c.write(head('local', `Content-Length: ${MAX_BYTES + 1}\r\n`));
    expect((await c.response(2000)).status).toBe(413);
    await c.closedWithin(2000);
    expect(h.deliveries).toHaveLength(0);
  });
});

describe('registerWebhookIntake onReject', () => {
  it('reports each refusal made before the handler with its reason and configured source (none when unknown)', async () => {
    const app = Fastify();
    const rejected: [string, string | undefined][] = [];
    registerWebhookIntake(app, {
      sources: SOURCES,
      maxBytes: MAX_BYTES,
      logger: { error: () => undefined },
      handle: () => ({ ok: true }),
      onReject: (reason, source) => rejected.push([reason, source?.name]),
    });
    await app.ready();
    try {
      const post = (source: string, payload: Buffer | string) =>
        app.inject({
          method: 'POST',
          url: `${WEBHOOK_PREFIX}/${source}`,
          headers: { 'content-type': 'application/json' },
          payload,
        });
      expect((await post('nope', '{}')).statusCode).toBe(404);
      expect((await post('remote', '{}')).statusCode).toBe(403);
      expect((await post('open', Buffer.alloc(MAX_BYTES + 1, 0x61))).statusCode).toBe(413);
      expect((await post('open', '{}')).statusCode).toBe(200);
      expect(rejected).toEqual([
        ['unknown-source', undefined],
        ['ip', 'remote'],
        ['size', 'open'],
      ]);
    } finally {
      await app.close();
    }
  });
});
