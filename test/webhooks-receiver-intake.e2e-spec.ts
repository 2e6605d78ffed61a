// The webhook receiver over real HTTP: what it stores of a delivery of each scheme (Standard Webhooks, Stripe,
// GitHub, each signed by the provider's own package), byte for byte, and what it refuses (one uniform 401, 400,
// 413, 403, 404) or answers as a duplicate. The app and its recording handlers:
// test/support/webhook-receiver-suite.ts.
import { createHash, randomUUID } from 'node:crypto';
import {
  githubDelivery,
  STANDARD_OLD_SECRET,
  STANDARD_UNKNOWN_SECRET,
  standardDelivery,
  stripeDelivery,
  type Delivery,
} from './support/webhook-deliveries.js';
import { githubBytesDelivery, MAX_BYTES, receiverSuite, withoutHeader } from './support/webhook-receiver-suite.js';
import { sweepAndSettle } from './support/webhook-settle.js';

describe('webhook receiver (e2e, real HTTP): intake', () => {
  const s = receiverSuite();

  it('stores a Standard Webhooks delivery signed by `standardwebhooks`, answers the envelope, then processes it', async () => {
    const payload = { type: 'order.created', data: { orderId: 'o-1', name: '山田太郎' } };
    const delivery = standardDelivery(payload);
    const res = await s.post('acme', delivery);
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
    const stored = await s.finished(body.data.eventId);
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
    const call = s.calls.find((c) => c.eventId === body.data.eventId);
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
    const id = await s.accepted('shop', stripeDelivery(payload));
    const stored = await s.finished(id);
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
    const id = await s.accepted('gh', delivery);
    const stored = await s.finished(id);
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
    await s.accepted('acme', old);
    const unknown = standardDelivery({ type: 'order.created' }, { secret: STANDARD_UNKNOWN_SECRET });
    expect((await s.post('acme', unknown)).status).toBe(401);
  });

  it('answers one uniform 401 for a tampered body, a wrong secret, missing headers and stale or future timestamps', async () => {
    const before = await s.total();
    // Clear of the 300 s tolerance: whole-second timestamps would make 301 s a coin toss (the boundary
    // itself is covered by the verifier specs).
    const now = Date.now();
    const good = standardDelivery({ type: 'order.created', n: 1 });
    const tampered = { ...good, body: Buffer.from(good.body.toString().replace('"n":1', '"n":2')) };
    const cases: [string, string, Delivery][] = [
      ['tampered body', 'acme', tampered],
      ['wrong secret', 'acme', standardDelivery({ type: 'order.created' }, { secret: STANDARD_UNKNOWN_SECRET })],
      ['no webhook-signature', 'acme', withoutHeader(good, 'webhook-signature')],
      ['no webhook-id', 'acme', withoutHeader(good, 'webhook-id')],
      ['no webhook-timestamp', 'acme', withoutHeader(good, 'webhook-timestamp')],
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
      const res = await s.post(source, delivery);
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
    expect(await s.total()).toBe(before);
  });

  it('answers 400 to an authentic body that is not an event (not JSON, or no type)', async () => {
    for (const body of [Buffer.from('not json'), Buffer.from('{"data":{}}'), Buffer.from('[]')]) {
      const delivery = standardDelivery(undefined, { body });
      const res = await s.post('acme', delivery);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { type: string }).type).toMatch(/\/bad-request$/);
    }
  });

  it('stores the body byte for byte: formatting, BOM and non-UTF-8 bytes included', async () => {
    const text = '\ufeff{ "type" : "order.created",\r\n  "b": 1, "a": "\\u65e5本", "n": 1.50 }  ';
    const standard = standardDelivery(undefined, { body: Buffer.from(text, 'utf8') });
    const stored = await s.event(await s.accepted('acme', standard));
    expect(stored.bodyEncoding).toBe('utf8');
    expect(stored.body).toBe(text);
    expect(Buffer.from(stored.body, 'utf8').equals(standard.body)).toBe(true);

    // Only GitHub accepts a body that is not JSON.
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x7b, 0x7d, 0xed, 0xa0, 0x80]);
    const id = await s.accepted('gh', githubBytesDelivery(bytes));
    const binary = await s.finished(id);
    expect(binary).toMatchObject({ status: 'ignored', bodyEncoding: 'base64', bodyBytes: bytes.length });
    expect(Buffer.from(binary.body, 'base64').equals(bytes)).toBe(true);
    expect(binary.bodySha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('answers 413 to a body over WEBHOOK_MAX_BYTES, 403 to an address outside the allowlist, 404 to an unknown source', async () => {
    const before = await s.total();
    const big = standardDelivery({ type: 'order.created', pad: 'x'.repeat(MAX_BYTES) });
    const tooLarge = await s.post('acme', big);
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { detail: string }).detail).toBe(`The body exceeds ${MAX_BYTES} bytes`);

    const fenced = await s.post('fenced', standardDelivery({ type: 'order.created' }));
    expect(fenced.status).toBe(403);
    expect(fenced.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    const unknown = await s.post('nobody', standardDelivery({ type: 'order.created' }));
    expect(unknown.status).toBe(404);
    expect(await s.total()).toBe(before);
  });

  it('answers a repeated delivery 200 duplicate with the first eventId and does not process it again', async () => {
    const delivery = standardDelivery({ type: 'order.created' });
    const first = await s.accepted('acme', delivery);
    await s.finished(first);
    // A redelivery is signed again, as the sender does.
    const again = standardDelivery({ type: 'order.created' }, { id: delivery.id, body: delivery.body });
    for (const d of [delivery, again]) {
      const res = await s.post('acme', d);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { data: unknown }).data).toEqual({ eventId: first, duplicate: true });
    }
    // Whatever the duplicates dispatched, and a sweep, have run: the handler still ran once.
    await sweepAndSettle(s.t.app);
    expect(s.calls.filter((c) => c.eventId === first)).toHaveLength(1);
    expect(await s.total(`&externalEventId=${delivery.id}`)).toBe(1);
  });
});
