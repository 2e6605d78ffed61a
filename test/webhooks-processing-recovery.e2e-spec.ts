// Processing of stored webhook events when something went wrong on the way: an event committed but never
// dispatched, a worker that died holding a lease, the inbox unwritable or the database gone; and the backlog
// and queue as /status, /debug and /health show them. The app and its recording handlers:
// test/support/webhook-processing-suite.ts.
import { DataSource } from 'typeorm';
import { WEBHOOK_INTAKE } from '../src/database/webhook-intake.js';
import { WebhookInbox } from '../src/modules/webhooks/inbox/webhook-inbox.service.js';
import { startTestApp } from './helpers/test-app.js';
import { STANDARD_SECRET, standardDelivery } from './support/webhook-deliveries.js';
import { MAX_ATTEMPTS, processingSuite, RETRY_BASE_MS } from './support/webhook-processing-suite.js';

describe('webhook processing (e2e): recovery and state', () => {
  const s = processingSuite();

  it('finishes an event committed but never dispatched (the sweeper)', async () => {
    // What a crash between the commit and the enqueue leaves: a pending row and no message.
    const inbox = s.t.app.get(WebhookInbox);
    const delivery = standardDelivery({ type: 'order.created' });
    const { eventId } = await inbox.insert({
      source: 'acme',
      externalEventId: delivery.id,
      type: 'order.created',
      body: delivery.body,
      headers: {},
    });
    const processed = await s.inState(eventId, 'processed', 5000);
    expect(processed.attempts).toBe(1);
    expect(s.handlers.invocations.get(eventId)).toBe(1);
  });

  it('takes over an event whose worker died (lease expired), and buries one that died on its last attempt', async () => {
    const inbox = s.t.app.get(WebhookInbox);
    const dataSource = s.t.app.get(DataSource);
    const pg = s.t.config.database.type === 'postgres';
    const past = new Date(Date.now() - 60_000);
    const insert = async (type: string) => {
      const d = standardDelivery({ type });
      return (await inbox.insert({ source: 'acme', externalEventId: d.id, type, body: d.body, headers: {} })).eventId;
    };
    const orphan = async (id: string, attempts: number) => {
      // As a killed worker leaves it: processing, attempts counted, lease in the past.
      const sql = pg
        ? `UPDATE webhook_events SET status = 'processing', attempts = $1, lease_owner = 'dead-worker', lease_until = $2, available_at = $2 WHERE id = $3`
        : `UPDATE webhook_events SET status = 'processing', attempts = ?, lease_owner = 'dead-worker', lease_until = ?, available_at = ? WHERE id = ?`;
      const at = pg ? past : past.toISOString().replace('T', ' ').replace('Z', '');
      await inbox.serial(() => dataSource.query(sql, pg ? [attempts, at, id] : [attempts, at, at, id]));
    };
    // Orphaned right after the insert, well within the sweeper's grace for new pending rows, so only
    // the lease expiry can bring them back.
    const [taken, buried] = await Promise.all([insert('order.created'), insert('order.created')]);
    await Promise.all([orphan(taken, 1), orphan(buried, MAX_ATTEMPTS)]);
    const processed = await s.inState(taken, 'processed', 5000);
    expect(processed.attempts).toBe(2);
    expect(s.handlers.invocations.get(taken)).toBe(1);
    const dead = await s.inState(buried, 'dead', 5000);
    expect(dead).toMatchObject({ attempts: MAX_ATTEMPTS, processedAt: null });
    expect(dead.lastError).toMatch(/lease expired during attempt 4 of 4/);
    expect(s.handlers.invocations.get(buried)).toBeUndefined();
  });

  it('shows the backlog on /status, the queue on /debug, and the queue in /health', async () => {
    const status = (await (await fetch(`${s.base}/status`)).json()) as { webhooks: Record<string, unknown> };
    expect(status.webhooks).toEqual({
      queue: s.t.config.redis.url ? 'bullmq' : 'in-process',
      backlog: {
        pending: expect.any(Number),
        retrying: expect.any(Number),
        processing: expect.any(Number),
        dead: expect.any(Number),
      },
      oldestPendingAgeSeconds: null,
    });
    const token = await s.t.token(['ops:admin']);
    const debug = (await (
      await fetch(`${s.base}/debug`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as {
      webhooks: Record<string, unknown>;
      config: { webhooks: { sources: Record<string, { secrets: string[] }> } };
    };
    expect(debug.webhooks).toMatchObject({
      queue: { kind: s.t.config.redis.url ? 'bullmq' : 'in-process', concurrency: 8 },
      handlers: { 'acme order.created': 'TestHandlers.created', 'acme order.flaky': 'TestHandlers.flaky' },
      settings: { maxAttempts: MAX_ATTEMPTS, retryBaseMs: RETRY_BASE_MS },
    });
    expect(JSON.stringify(debug)).not.toContain(STANDARD_SECRET);
    expect((await fetch(`${s.base}/health/ready`)).status).toBe(200);
    // The queue shows in /health (degraded when failing); readiness depends on the database alone.
    const health = await fetch(`${s.base}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { info: Record<string, unknown> }).info.webhooks).toMatchObject({ status: 'up' });
  });

  it('answers 503 (never 2xx or 4xx) while the inbox cannot be written, and stores the redelivery afterwards', async () => {
    const dataSource = s.t.app.get(DataSource);
    const inbox = s.t.app.get(WebhookInbox);
    const delivery = standardDelivery({ type: 'order.created' });
    await inbox.serial(() => dataSource.query('ALTER TABLE webhook_events RENAME TO webhook_events_away'));
    try {
      const res = await s.post(delivery);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await res.json()) as { type: string }).type).toMatch(/\/service-unavailable$/);
    } finally {
      await inbox.serial(() => dataSource.query('ALTER TABLE webhook_events_away RENAME TO webhook_events'));
    }
    const again = await s.post(standardDelivery(undefined, { id: delivery.id, body: delivery.body }));
    expect(again.status).toBe(200);
    const data = ((await again.json()) as { data: { eventId: string; duplicate: boolean } }).data;
    expect(data.duplicate).toBe(false);
    await s.inState(data.eventId, 'processed');
  });
});

describe('webhook receiver with the database gone (e2e)', () => {
  it('answers 503 when the connection is closed', async () => {
    const t = await startTestApp({ WEBHOOK_ACME_SCHEME: 'standard', WEBHOOK_ACME_SECRETS: STANDARD_SECRET });
    // The receiver inserts through its own pool on PostgreSQL (WEBHOOK_INTAKE); on SQLite it is the main one.
    const sources = [...new Set([t.app.get(DataSource), t.app.get<DataSource>(WEBHOOK_INTAKE)])];
    try {
      for (const dataSource of sources) await dataSource.destroy();
      const delivery = standardDelivery({ type: 'order.created' });
      const res = await t.http.post('/api/v1/webhooks/acme').set(delivery.headers).send(delivery.body.toString());
      expect(res.status).toBe(503);
    } finally {
      for (const dataSource of sources) if (!dataSource.isInitialized) await dataSource.initialize();
      await t.close();
    }
  });
});
