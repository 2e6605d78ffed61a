import { ProblemException } from '../../../common/http/problem.js';
import { WEBHOOK_PREFIX } from './webhook-intake.js';
import type { FastifyInstance } from 'fastify';
import {
  buildIntake,
  expectProblem,
  MAX_BYTES,
  SOURCES,
  sha256,
  type Harness,
} from '../../../../test/support/webhook-intake-harness.js';

describe('registerWebhookIntake (inject)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await buildIntake();
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
    h = await buildIntake({}, () => {
      throw new ProblemException({ type: 'service-unavailable', status: 503, detail: 'inbox down' });
    });
    const res = await h.app.inject({ method: 'POST', url: `${WEBHOOK_PREFIX}/open`, payload: 'x' });
    expect(expectProblem(res, 503)).toMatchObject({ detail: 'inbox down' });
  });
});

describe('registerWebhookIntake behind a proxy', () => {
  it('uses X-Forwarded-For only when the peer is a trusted proxy', async () => {
    const trusting = await buildIntake({ trustProxy: '127.0.0.1' });
    const direct = await buildIntake();
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
