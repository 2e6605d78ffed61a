import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { WebhookHandler, type InboxEvent } from '../src/modules/webhooks/handlers/webhook-handler.decorator.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import {
  GITHUB_SECRET,
  githubDelivery,
  STANDARD_OLD_SECRET,
  STANDARD_SECRET,
  STANDARD_UNKNOWN_SECRET,
  standardDelivery,
  STRIPE_SECRET,
  stripeDelivery,
  type Delivery,
} from './support/webhook-deliveries.js';
import { waitFor } from './support/wait.js';
import { sweepAndSettle } from './support/webhook-settle.js';

const calls: InboxEvent[] = [];

@Injectable()
class RecordingHandlers {
  @WebhookHandler('acme', 'order.created')
  @WebhookHandler('shop', 'charge.succeeded')
  @WebhookHandler('gh', 'push')
  async record(event: InboxEvent, manager: EntityManager): Promise<void> {
    // The transaction's manager works (a read inside the same transaction).
    await manager.query('SELECT 1');
    calls.push(event);
  }
}

const MAX_BYTES = 2048;
const ENV = {
  WEBHOOK_ACME_SCHEME: 'standard',
  WEBHOOK_ACME_SECRETS: `${STANDARD_SECRET},${STANDARD_OLD_SECRET}`,
  WEBHOOK_ACME_ALLOWED_IPS: '127.0.0.1/32,::1/128',
  WEBHOOK_SHOP_SCHEME: 'stripe',
  WEBHOOK_SHOP_SECRETS: STRIPE_SECRET,
  WEBHOOK_GH_SCHEME: 'github',
  WEBHOOK_GH_SECRETS: GITHUB_SECRET,
  // Every address but the loopback ones the tests call from.
  WEBHOOK_FENCED_SCHEME: 'standard',
  WEBHOOK_FENCED_SECRETS: STANDARD_SECRET,
  WEBHOOK_FENCED_ALLOWED_IPS: '203.0.113.0/24,2001:db8::/32',
  WEBHOOK_MAX_BYTES: String(MAX_BYTES),
  WEBHOOK_TOLERANCE_S: '300',
  WEBHOOK_RETRY_BASE_MS: '20',
  WEBHOOK_SWEEP_INTERVAL_MS: '200',
};

interface EventBody {
  eventId: string;
  source: string;
  externalEventId: string;
  type: string;
  status: string;
  attempts: number;
  lastError: string | null;
  receivedAt: string;
  signedAt: string | null;
  processedAt: string | null;
  receivedHeaders: Record<string, string>;
  body: string;
  bodyEncoding: 'utf8' | 'base64';
  bodyBytes: number;
  bodySha256: string;
}

describe('webhook receiver (e2e, real HTTP)', () => {
  let t: TestApp;
  let base: string;
  let readToken: string;

  beforeAll(async () => {
    t = await startTestApp(ENV, { providers: [RecordingHandlers] });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    readToken = await t.token(['webhooks:read']);
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (source: string, delivery: Delivery) =>
    fetch(`${base}/api/v1/webhooks/${source}`, { method: 'POST', headers: delivery.headers, body: delivery.body });

  async function accepted(source: string, delivery: Delivery): Promise<string> {
    const res = await post(source, delivery);
    const body = (await res.json()) as { status: string; data: { eventId: string; duplicate: boolean } };
    expect([res.status, body]).toEqual([200, expect.objectContaining({ status: 'success' })]);
    expect(body.data.duplicate).toBe(false);
    return body.data.eventId;
  }

  async function event(id: string): Promise<EventBody> {
    const res = await fetch(`${base}/api/v1/webhook-events/${id}`, {
      headers: { authorization: `Bearer ${readToken}` },
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: EventBody }).data;
  }

  const finished = (id: string) =>
    waitFor(
      async () => {
        const e = await event(id);
        return ['processed', 'ignored', 'dead'].includes(e.status) ? e : undefined;
      },
      { what: `event ${id} finished`, timeoutMs: 10000 },
    );

  async function total(query = ''): Promise<number> {
    const res = await fetch(`${base}/api/v1/webhook-events?limit=1${query}`, {
      headers: { authorization: `Bearer ${readToken}` },
    });
    return ((await res.json()) as { total: number }).total;
  }

  it('stores a Standard Webhooks delivery signed by `standardwebhooks`, answers the envelope, then processes it', async () => {
    const payload = { type: 'order.created', data: { orderId: 'o-1', name: '山田太郎' } };
    const delivery = standardDelivery(payload);
    const res = await post('acme', delivery);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as {
      status: string;
      data: { eventId: string; duplicate: boolean };
      metadata: Record<string, string>;
    };
    expect(body).toEqual({
      status: 'success',
      data: { eventId: expect.stringMatching(/^[0-9A-Z]{26}$/), duplicate: false },
      metadata: { requestId: res.headers.get('x-request-id'), timestamp: expect.any(String) },
    });
    const stored = await finished(body.data.eventId);
    expect(stored).toMatchObject({
      eventId: body.data.eventId,
      source: 'acme',
      externalEventId: delivery.id,
      type: 'order.created',
      status: 'processed',
      attempts: 1,
      lastError: null,
      body: delivery.body.toString('utf8'),
      bodyEncoding: 'utf8',
      bodyBytes: delivery.body.length,
      bodySha256: createHash('sha256').update(delivery.body).digest('hex'),
    });
    expect(stored.signedAt).toBe(new Date(Number(delivery.headers['webhook-timestamp']) * 1000).toISOString());
    expect(stored.processedAt).not.toBeNull();
    expect(stored.receivedHeaders).toEqual({
      'content-type': 'application/json',
      'user-agent': expect.any(String),
      'webhook-id': delivery.id,
      'webhook-timestamp': delivery.headers['webhook-timestamp'],
    });
    const call = calls.find((c) => c.eventId === body.data.eventId);
    expect(call).toMatchObject({
      source: 'acme',
      type: 'order.created',
      externalEventId: delivery.id,
      attempt: 1,
      payload,
    });
    expect(call?.body.equals(delivery.body)).toBe(true);
  });

  it('stores a Stripe delivery signed by `generateTestHeaderString` under the payload id', async () => {
    const payload = {
      id: `evt_${randomUUID().replace(/-/g, '')}`,
      object: 'event',
      type: 'charge.succeeded',
      data: {},
    };
    const id = await accepted('shop', stripeDelivery(payload));
    const stored = await finished(id);
    expect(stored).toMatchObject({
      source: 'shop',
      externalEventId: payload.id,
      type: 'charge.succeeded',
      status: 'processed',
    });
    expect(stored.signedAt).not.toBeNull();
  });

  it('stores a GitHub delivery signed by `@octokit/webhooks-methods` under X-GitHub-Delivery and X-GitHub-Event', async () => {
    const delivery = await githubDelivery('push', { ref: 'refs/heads/main' });
    const id = await accepted('gh', delivery);
    const stored = await finished(id);
    expect(stored).toMatchObject({
      source: 'gh',
      externalEventId: delivery.headers['x-github-delivery'],
      type: 'push',
      status: 'processed',
      signedAt: null,
    });
    expect(stored.receivedHeaders).toMatchObject({ 'x-github-event': 'push', 'x-github-hook-id': '42' });
    expect(stored.receivedHeaders['x-hub-signature-256']).toBeUndefined();
  });

  it('accepts every configured secret (rotation) and no other', async () => {
    const old = standardDelivery({ type: 'order.created' }, { secret: STANDARD_OLD_SECRET });
    await accepted('acme', old);
    const unknown = standardDelivery({ type: 'order.created' }, { secret: STANDARD_UNKNOWN_SECRET });
    expect((await post('acme', unknown)).status).toBe(401);
  });

  it('answers one uniform 401 for a tampered body, a wrong secret, missing headers and stale or future timestamps', async () => {
    const before = await total();
    // Clear of the 300 s tolerance: whole-second timestamps would make 301 s a coin toss (the boundary
    // itself is covered by the verifier specs).
    const now = Date.now();
    const good = standardDelivery({ type: 'order.created', n: 1 });
    const tampered = { ...good, body: Buffer.from(good.body.toString().replace('"n":1', '"n":2')) };
    const withoutHeader = (name: string): Delivery => {
      const headers = { ...good.headers };
      delete headers[name];
      return { headers, body: good.body };
    };
    const cases: [string, string, Delivery][] = [
      ['tampered body', 'acme', tampered],
      ['wrong secret', 'acme', standardDelivery({ type: 'order.created' }, { secret: STANDARD_UNKNOWN_SECRET })],
      ['no webhook-signature', 'acme', withoutHeader('webhook-signature')],
      ['no webhook-id', 'acme', withoutHeader('webhook-id')],
      ['no webhook-timestamp', 'acme', withoutHeader('webhook-timestamp')],
      ['310 s old', 'acme', standardDelivery({ type: 'order.created' }, { timestamp: new Date(now - 310_000) })],
      ['310 s ahead', 'acme', standardDelivery({ type: 'order.created' }, { timestamp: new Date(now + 310_000) })],
      [
        'stripe, stale',
        'shop',
        stripeDelivery({ id: 'evt_old', type: 'charge.succeeded' }, { timestamp: Math.floor(now / 1000) - 310 }),
      ],
      [
        'stripe, wrong secret',
        'shop',
        stripeDelivery({ id: 'evt_x', type: 'charge.succeeded' }, { secret: 'whsec_other' }),
      ],
      [
        'stripe, no header',
        'shop',
        { headers: { 'content-type': 'application/json' }, body: Buffer.from('{"id":"e","type":"t"}') },
      ],
      ['github, tampered', 'gh', { ...(await githubDelivery('push', { a: 1 })), body: Buffer.from('{"a":2}') }],
    ];
    const bodies: unknown[] = [];
    for (const [name, source, delivery] of cases) {
      const res = await post(source, delivery);
      expect([name, res.status]).toEqual([name, 401]);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('www-authenticate')).toBe(`Signature realm="${source}"`);
      const problem = (await res.json()) as Record<string, unknown>;
      bodies.push({ type: problem.type, title: problem.title, status: problem.status, detail: problem.detail });
    }
    // Nothing tells the sender which check failed.
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(bodies[0]).toEqual({
      type: expect.stringMatching(/\/unauthorized$/),
      title: 'Unauthorized',
      status: 401,
      detail: 'The webhook signature could not be verified',
    });
    expect(await total()).toBe(before);
  });

  it('answers 400 to an authentic body that is not an event (not JSON, or no type)', async () => {
    for (const body of [Buffer.from('not json'), Buffer.from('{"data":{}}'), Buffer.from('[]')]) {
      const delivery = standardDelivery(undefined, { body });
      const res = await post('acme', delivery);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { type: string }).type).toMatch(/\/bad-request$/);
    }
  });

  it('stores the body byte for byte: formatting, BOM and non-UTF-8 bytes included', async () => {
    const text = '\ufeff{ "type" : "order.created",\r\n  "b": 1, "a": "\\u65e5本", "n": 1.50 }  ';
    const standard = standardDelivery(undefined, { body: Buffer.from(text, 'utf8') });
    const stored = await event(await accepted('acme', standard));
    expect(stored.bodyEncoding).toBe('utf8');
    expect(stored.body).toBe(text);
    expect(Buffer.from(stored.body, 'utf8').equals(standard.body)).toBe(true);

    // Only GitHub accepts a body that is not JSON; @octokit/webhooks-methods signs strings, so the
    // HMAC over these bytes is computed as GitHub does.
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x7b, 0x7d, 0xed, 0xa0, 0x80]);
    const delivery: Delivery = {
      body: bytes,
      headers: {
        'content-type': 'application/octet-stream',
        'x-github-event': 'binary',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': `sha256=${createHmac('sha256', GITHUB_SECRET).update(bytes).digest('hex')}`,
      },
    };
    const id = await accepted('gh', delivery);
    const binary = await finished(id);
    expect(binary).toMatchObject({ status: 'ignored', bodyEncoding: 'base64', bodyBytes: bytes.length });
    expect(Buffer.from(binary.body, 'base64').equals(bytes)).toBe(true);
    expect(binary.bodySha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('answers 413 to a body over WEBHOOK_MAX_BYTES, 403 to an address outside the allowlist, 404 to an unknown source', async () => {
    const before = await total();
    const big = standardDelivery({ type: 'order.created', pad: 'x'.repeat(MAX_BYTES) });
    const tooLarge = await post('acme', big);
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { detail: string }).detail).toBe(`The body exceeds ${MAX_BYTES} bytes`);

    const fenced = await post('fenced', standardDelivery({ type: 'order.created' }));
    expect(fenced.status).toBe(403);
    expect(fenced.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    const unknown = await post('nobody', standardDelivery({ type: 'order.created' }));
    expect(unknown.status).toBe(404);
    expect(await total()).toBe(before);
  });

  it('answers a repeated delivery 200 duplicate with the first eventId and does not process it again', async () => {
    const delivery = standardDelivery({ type: 'order.created' });
    const first = await accepted('acme', delivery);
    await finished(first);
    // A redelivery is signed again, as the sender does.
    const again = standardDelivery({ type: 'order.created' }, { id: delivery.id, body: delivery.body });
    for (const d of [delivery, again]) {
      const res = await post('acme', d);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { data: unknown }).data).toEqual({ eventId: first, duplicate: true });
    }
    // Whatever the duplicates dispatched, and a sweep, have run: the handler still ran once.
    await sweepAndSettle(t.app);
    expect(calls.filter((c) => c.eventId === first)).toHaveLength(1);
    expect(await total(`&externalEventId=${delivery.id}`)).toBe(1);
  });

  it('counts receptions, rejections by reason, duplicates and outcomes in /metrics', async () => {
    const token = await t.token(['ops:read']);
    const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    const value = (series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.split(' ').at(-1));
    };
    expect(value('webhook_received_total{source="acme"}')).toBeGreaterThanOrEqual(5);
    expect(value('webhook_received_total{source="shop"}')).toBe(1);
    expect(value('webhook_duplicates_total{source="acme"}')).toBe(2);
    for (const reason of ['signature', 'missing-headers', 'timestamp', 'payload', 'size']) {
      expect([reason, value(`webhook_rejected_total{source="acme",reason="${reason}"}`)]).toEqual([
        reason,
        expect.any(Number),
      ]);
    }
    expect(value('webhook_rejected_total{source="acme",reason="missing-headers"}')).toBe(3);
    expect(value('webhook_rejected_total{source="acme",reason="timestamp"}')).toBe(2);
    expect(value('webhook_rejected_total{source="fenced",reason="ip"}')).toBe(1);
    expect(value('webhook_rejected_total{source="(unknown)",reason="unknown-source"}')).toBe(1);
    expect(value('webhook_processed_total{source="gh",type="binary",outcome="ignored"}')).toBe(1);
    expect(value('webhook_processed_total{source="shop",type="charge.succeeded",outcome="processed"}')).toBe(1);
    expect(value('webhook_queue_depth')).toEqual(expect.any(Number));
    expect(value('webhook_oldest_pending_age_seconds')).toEqual(expect.any(Number));
    expect(text).not.toContain('nobody');
  });

  it('documents the receiver in the OpenAPI document (signature security, no rate-limit headers) and answers OPTIONS', async () => {
    const doc = (await (await fetch(`${base}/docs/openapi.json`)).json()) as {
      paths: Record<string, { post?: { security: unknown; responses: Record<string, { headers?: object }> } }>;
    };
    const receiver = doc.paths['/api/v1/webhooks/{source}'].post!;
    expect(receiver.security).toEqual([{ webhookSignature: [] }]);
    // 408 and 431 (the HTTP layer, any route) and 415 (a body route) are documented on every operation too.
    expect(Object.keys(receiver.responses).sort()).toEqual([
      '200',
      '400',
      '401',
      '403',
      '404',
      '408',
      '413',
      '415',
      '431',
      '500',
      '503',
    ]);
    expect(receiver.responses['200'].headers).not.toHaveProperty('RateLimit-Limit');
    const options = await fetch(`${base}/api/v1/webhooks/acme`, { method: 'OPTIONS' });
    expect(options.status).toBe(200);
    expect(options.headers.get('allow')).toBe('OPTIONS, POST');
  });

  describe('inspection', () => {
    const get = async (path: string, token = readToken) => {
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    it('lists with filters, sort, paging and fields', async () => {
      const all = await get('/api/v1/webhook-events?limit=100');
      expect(all.status).toBe(200);
      const items = all.body.data as EventBody[];
      expect(items.length).toBe(all.body.total);
      // Newest first by default; no body in lists.
      const times = items.map((e) => e.receivedAt);
      expect([...times].sort().reverse()).toEqual(times);
      expect(items[0]).not.toHaveProperty('body');

      const shop = await get('/api/v1/webhook-events?source=shop&status=processed&type=charge.succeeded');
      expect(shop.body.total).toBe(1);
      expect((shop.body.data as EventBody[])[0]).toMatchObject({ source: 'shop', type: 'charge.succeeded' });

      const page = await get('/api/v1/webhook-events?sort=receivedAt&offset=1&limit=2&fields=eventId,status');
      expect(page.body.data).toEqual([
        { eventId: [...items].reverse()[1].eventId, status: expect.any(String) },
        { eventId: [...items].reverse()[2].eventId, status: expect.any(String) },
      ]);
      expect(page.body.metadata).toMatchObject({ offset: 1, limit: 2 });

      const byType = await get('/api/v1/webhook-events?sort=type,-receivedAt&limit=100&fields=type');
      const types = (byType.body.data as { type: string }[]).map((e) => e.type);
      expect([...types].sort()).toEqual(types);
    });

    it('refuses unknown parameters, bad values, and tokens without the scope', async () => {
      for (const query of ['status=done', 'sort=body', 'fields=body', 'limit=101', 'color=red']) {
        expect([query, (await get(`/api/v1/webhook-events?${query}`)).status]).toEqual([query, 400]);
      }
      const users = await t.token(['users:read']);
      expect((await get('/api/v1/webhook-events', users)).status).toBe(403);
      const missing = await get('/api/v1/webhook-events/01JNOSUCHEVENT000000000000');
      expect(missing.status).toBe(404);
      expect(missing.body.type).toMatch(/\/resource-not-found$/);
      const replay = await fetch(`${base}/api/v1/webhook-events/01JNOSUCHEVENT000000000000/replay`, {
        method: 'POST',
        headers: { authorization: `Bearer ${readToken}` },
      });
      expect(replay.status).toBe(403);
    });

    it('projects one event with fields and serves ETag / 304', async () => {
      const [first] = (await get('/api/v1/webhook-events?limit=1')).body.data as EventBody[];
      const one = await get(`/api/v1/webhook-events/${first.eventId}?fields=eventId,bodyEncoding,bodyBytes`);
      expect(one.body.data).toEqual({
        eventId: first.eventId,
        bodyEncoding: expect.any(String),
        bodyBytes: expect.any(Number),
      });
      const res = await fetch(`${base}/api/v1/webhook-events/${first.eventId}`, {
        headers: { authorization: `Bearer ${readToken}` },
      });
      const etag = res.headers.get('etag')!;
      const again = await fetch(`${base}/api/v1/webhook-events/${first.eventId}`, {
        headers: { authorization: `Bearer ${readToken}`, 'if-none-match': etag },
      });
      expect(again.status).toBe(304);
    });
  });
});
