// The webhook receiver over real HTTP, as an operator sees it: its counters in /metrics, its entry in the OpenAPI
// document, and the stored events through GET /api/v1/webhook-events. Each test makes the deliveries it reads
// about and counts them from a snapshot taken before, so it does not depend on what other tests delivered. The
// app and its recording handlers: test/support/webhook-receiver-suite.ts.
import { randomUUID } from 'node:crypto';
import { metricValue } from './support/metrics.js';
import { waitFor } from './support/wait.js';
import {
  githubDelivery,
  STANDARD_UNKNOWN_SECRET,
  standardDelivery,
  stripeDelivery,
  type Delivery,
} from './support/webhook-deliveries.js';
import {
  githubBytesDelivery,
  MAX_BYTES,
  receiverSuite,
  withoutHeader,
  type EventBody,
} from './support/webhook-receiver-suite.js';

const charge = () => stripeDelivery({ id: `evt_${randomUUID().replace(/-/g, '')}`, type: 'charge.succeeded' });

describe('webhook receiver (e2e, real HTTP): metrics, document and inspection', () => {
  const s = receiverSuite();

  it('counts receptions, rejections by reason, duplicates and outcomes in /metrics', async () => {
    const before = await s.metrics();
    // acme: three events stored, the first delivered twice more (duplicates); one Stripe charge; one GitHub
    // delivery of a type without a handler.
    const order = standardDelivery({ type: 'order.created' });
    const stored = [await s.accepted('acme', order)];
    for (const d of [order, order]) await s.post('acme', d);
    for (let i = 0; i < 2; i++) stored.push(await s.accepted('acme', standardDelivery({ type: 'order.created' })));
    stored.push(await s.accepted('shop', charge()));
    stored.push(await s.accepted('gh', githubBytesDelivery(Buffer.from([0xff, 0x00, 0x7b]))));
    // One refusal of each reason; three without one of the headers, two out of the timestamp tolerance.
    const now = Date.now();
    const refused: [string, Delivery][] = [
      ['acme', standardDelivery({ type: 'order.created' }, { secret: STANDARD_UNKNOWN_SECRET })],
      ...['webhook-signature', 'webhook-id', 'webhook-timestamp'].map((h): [string, Delivery] => [
        'acme',
        withoutHeader(order, h),
      ]),
      ['acme', standardDelivery({ type: 'order.created' }, { timestamp: new Date(now - 310_000) })],
      ['acme', standardDelivery({ type: 'order.created' }, { timestamp: new Date(now + 310_000) })],
      ['acme', standardDelivery(undefined, { body: Buffer.from('not json') })],
      ['acme', standardDelivery({ type: 'order.created', pad: 'x'.repeat(MAX_BYTES) })],
      ['fenced', standardDelivery({ type: 'order.created' })],
      ['nobody', standardDelivery({ type: 'order.created' })],
    ];
    for (const [source, delivery] of refused) await s.post(source, delivery);
    for (const id of stored) await s.finished(id);
    // A worker counts an outcome right after its database write, which the test may observe first.
    const shopProcessed = 'webhook_processed_total{source="shop",type="charge.succeeded",outcome="processed"}';
    const grown = (text: string, series: string) =>
      (metricValue(text, series) ?? 0) > (metricValue(before, series) ?? 0);
    const text = await waitFor(
      async () => {
        const scraped = await s.metrics();
        return grown(scraped, shopProcessed) ? scraped : undefined;
      },
      { what: `${shopProcessed} counted` },
    );
    /** How much a series grew during the test; undefined when it is not exposed. */
    const value = (series: string) => {
      const after = metricValue(text, series);
      return after === undefined ? undefined : after - (metricValue(before, series) ?? 0);
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
    expect(value(shopProcessed)).toBe(1);
    // Gauges: the backlog now, not a growth.
    expect(metricValue(text, 'webhook_queue_depth')).toEqual(expect.any(Number));
    expect(metricValue(text, 'webhook_oldest_pending_age_seconds')).toEqual(expect.any(Number));
    expect(text).not.toContain('nobody');
  });

  it('documents the receiver in the OpenAPI document (signature security, no rate-limit headers) and answers OPTIONS', async () => {
    const doc = (await (await fetch(`${s.base}/docs/openapi.json`)).json()) as {
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
    const options = await fetch(`${s.base}/api/v1/webhooks/acme`, { method: 'OPTIONS' });
    expect(options.status).toBe(200);
    expect(options.headers.get('allow')).toBe('OPTIONS, POST');
  });

  describe('inspection', () => {
    const get = async (path: string, token = s.readToken) => {
      const res = await fetch(`${s.base}${path}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    it('lists with filters, sort, paging and fields', async () => {
      // Three events of its own, one after the other (distinct receivedAt), the Stripe charge the newest.
      const shopQuery = '/api/v1/webhook-events?source=shop&status=processed&type=charge.succeeded';
      const shopBefore = (await get(shopQuery)).body.total as number;
      const deliveries: [string, Delivery][] = [
        ['acme', standardDelivery({ type: 'order.created' })],
        ['gh', await githubDelivery('push', { ref: 'refs/heads/main' })],
        ['shop', charge()],
      ];
      for (const [source, delivery] of deliveries) await s.finished(await s.accepted(source, delivery));

      const all = await get('/api/v1/webhook-events?limit=100');
      expect(all.status).toBe(200);
      const items = all.body.data as EventBody[];
      expect(items.length).toBe(all.body.total);
      // Newest first by default; no body in lists.
      const times = items.map((e) => e.receivedAt);
      expect([...times].sort().reverse()).toEqual(times);
      expect(items[0]).not.toHaveProperty('body');

      const shop = await get(shopQuery);
      expect(shop.body.total).toBe(shopBefore + 1);
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
      const users = await s.t.token(['users:read']);
      expect((await get('/api/v1/webhook-events', users)).status).toBe(403);
      const missing = await get('/api/v1/webhook-events/01JNOSUCHEVENT000000000000');
      expect(missing.status).toBe(404);
      expect(missing.body.type).toMatch(/\/resource-not-found$/);
      const replay = await fetch(`${s.base}/api/v1/webhook-events/01JNOSUCHEVENT000000000000/replay`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.readToken}` },
      });
      expect(replay.status).toBe(403);
    });

    it('projects one event with fields and serves ETag / 304', async () => {
      // An event of its own, finished: its representation (and so its ETag) no longer changes.
      const first = await s.finished(await s.accepted('acme', standardDelivery({ type: 'order.created' })));
      const one = await get(`/api/v1/webhook-events/${first.eventId}?fields=eventId,bodyEncoding,bodyBytes`);
      expect(one.body.data).toEqual({
        eventId: first.eventId,
        bodyEncoding: expect.any(String),
        bodyBytes: expect.any(Number),
      });
      const res = await fetch(`${s.base}/api/v1/webhook-events/${first.eventId}`, {
        headers: { authorization: `Bearer ${s.readToken}` },
      });
      const etag = res.headers.get('etag')!;
      const again = await fetch(`${s.base}/api/v1/webhook-events/${first.eventId}`, {
        headers: { authorization: `Bearer ${s.readToken}`, 'if-none-match': etag },
      });
      expect(again.status).toBe(304);
    });
  });
});
