import type { AddressInfo } from 'node:net';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { WEBHOOK_INTAKE } from '../src/database/webhook-intake.js';
import { WebhookHandler, type InboxEvent } from '../src/modules/webhooks/handlers/webhook-handler.decorator.js';
import { WebhookInbox } from '../src/modules/webhooks/inbox/webhook-inbox.service.js';
import { WebhookWorker } from '../src/modules/webhooks/dispatch/webhook-worker.service.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { sleep, STANDARD_SECRET, standardDelivery, type Delivery } from './support/webhook-deliveries.js';
import { waitFor } from './support/wait.js';
import { sweepAndSettle } from './support/webhook-settle.js';

const invocations = new Map<string, number>();
const attemptTimes = new Map<string, number[]>();
/** What the worker recorded after each failed attempt: when, and when the next attempt is due. */
const scheduled = new Map<string, { status: string; failedAt: number; dueAt: number }[]>();
let failing = true;
let release: (() => void) | null = null;

const count = (event: InboxEvent) => invocations.set(event.eventId, (invocations.get(event.eventId) ?? 0) + 1);

@Injectable()
class TestHandlers {
  @WebhookHandler('acme', 'order.created')
  async created(event: InboxEvent): Promise<void> {
    count(event);
    // A window in which a second, concurrent processing would show.
    await sleep(30);
  }

  @WebhookHandler('acme', 'order.flaky')
  async flaky(event: InboxEvent): Promise<void> {
    count(event);
    attemptTimes.set(event.eventId, [...(attemptTimes.get(event.eventId) ?? []), Date.now()]);
    if (failing) throw new Error('downstream unavailable');
  }

  /** Writes a business row, then fails on the first attempt: that write must roll back with it. */
  @WebhookHandler('acme', 'order.rollback')
  async rollback(event: InboxEvent, manager: EntityManager): Promise<void> {
    count(event);
    const now = new Date();
    await manager.insert('users', {
      id: `${event.eventId.slice(0, 30)}-${event.attempt}`,
      name: event.eventId,
      email: `${event.eventId.toLowerCase()}@example.com`,
      createdAt: now,
      updatedAt: now,
    });
    if (event.attempt === 1) throw new Error('failed after the business write');
  }

  @WebhookHandler('acme', 'order.slow')
  async slow(event: InboxEvent): Promise<void> {
    count(event);
    if (event.attempt === 1 && invocations.get(event.eventId) === 1) {
      await new Promise<void>((resolve) => (release = resolve));
    }
  }
}

const RETRY_BASE_MS = 100;
const MAX_ATTEMPTS = 4;
const ENV = {
  WEBHOOK_ACME_SCHEME: 'standard',
  WEBHOOK_ACME_SECRETS: STANDARD_SECRET,
  WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
  WEBHOOK_RETRY_BASE_MS: String(RETRY_BASE_MS),
  WEBHOOK_LEASE_MS: '2000',
  WEBHOOK_SWEEP_INTERVAL_MS: '200',
  WEBHOOK_WORKER_CONCURRENCY: '8',
};

interface Stored {
  eventId: string;
  status: string;
  attempts: number;
  lastError: string | null;
  processedAt: string | null;
}

describe('webhook processing (e2e)', () => {
  let t: TestApp;
  let base: string;
  let readToken: string;
  let adminToken: string;

  beforeAll(async () => {
    t = await startTestApp(ENV, { providers: [TestHandlers] });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    readToken = await t.token(['webhooks:read']);
    adminToken = await t.token(['webhooks:read', 'webhooks:admin']);
    const inbox = t.app.get(WebhookInbox);
    const fail = inbox.fail.bind(inbox);
    inbox.fail = (id, owner, outcome) => {
      const entry = { status: outcome.status, failedAt: Date.now(), dueAt: outcome.availableAt.getTime() };
      scheduled.set(id, [...(scheduled.get(id) ?? []), entry]);
      return fail(id, owner, outcome);
    };
  });
  afterAll(async () => {
    release?.();
    await t.close();
  });

  const post = (delivery: Delivery) =>
    fetch(`${base}/api/v1/webhooks/acme`, { method: 'POST', headers: delivery.headers, body: delivery.body });

  async function deliver(type: string): Promise<string> {
    const res = await post(standardDelivery({ type }));
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: { eventId: string } }).data.eventId;
  }

  async function event(id: string): Promise<Stored> {
    const res = await fetch(`${base}/api/v1/webhook-events/${id}`, {
      headers: { authorization: `Bearer ${readToken}` },
    });
    return ((await res.json()) as { data: Stored }).data;
  }

  const inState = (id: string, status: string, timeoutMs = 10000) =>
    waitFor(
      async () => {
        const e = await event(id);
        return e.status === status ? e : undefined;
      },
      { what: `event ${id} ${status}`, timeoutMs: timeoutMs },
    );

  const replay = (id: string, token = adminToken) =>
    fetch(`${base}/api/v1/webhook-events/${id}/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });

  async function metric(series: string): Promise<number | undefined> {
    const token = await t.token(['ops:read']);
    const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.split(' ').at(-1));
  }

  /** A worker counts right after its database write, which the test may observe first: poll. */
  const metricReaches = async (series: string, expected: number) => {
    let last: number | undefined;
    await waitFor(
      async () => {
        last = await metric(series);
        return last === expected;
      },
      { what: `${series} = ${expected}`, timeoutMs: 3000 },
    ).catch(() => expect([series, last]).toEqual([series, expected]));
  };

  it('stores and processes one event once when 100 deliveries of it arrive at the same moment', async () => {
    const first = standardDelivery({ type: 'order.created', data: { orderId: 'o-100' } });
    // Each retry of a sender is signed again; all carry the same webhook-id and body.
    const deliveries = Array.from({ length: 100 }, () =>
      standardDelivery(undefined, { id: first.id, body: first.body }),
    );
    const responses = await Promise.all(deliveries.map(post));
    expect(responses.map((r) => r.status)).toEqual(Array(100).fill(200));
    const data = await Promise.all(
      responses.map(async (r) => ((await r.json()) as { data: { eventId: string; duplicate: boolean } }).data),
    );
    const ids = new Set(data.map((d) => d.eventId));
    expect(ids.size).toBe(1);
    expect(data.filter((d) => !d.duplicate)).toHaveLength(1);
    const [id] = [...ids];
    await inState(id, 'processed');
    // Whatever could run it again, triggered rather than waited for: a duplicate dispatch, and a sweep as
    // late as any lease or retry could fall due; then until all they dispatched has run.
    await t.app.get(WebhookWorker).process(id);
    await sweepAndSettle(t.app, new Date(Date.now() + 3_600_000));
    expect(invocations.get(id)).toBe(1);
    expect((await event(id)).attempts).toBe(1);
    const list = await fetch(`${base}/api/v1/webhook-events?externalEventId=${first.id}`, {
      headers: { authorization: `Bearer ${readToken}` },
    });
    expect(((await list.json()) as { total: number }).total).toBe(1);
    await metricReaches('webhook_duplicates_total{source="acme"}', 99);
  });

  it('retries a failing handler with exponential backoff, marks it dead, and a replay then succeeds', async () => {
    failing = true;
    const id = await deliver('order.flaky');
    const dead = await inState(id, 'dead');
    expect(dead).toMatchObject({
      attempts: MAX_ATTEMPTS,
      lastError: 'Error: downstream unavailable',
      processedAt: null,
    });
    const times = attemptTimes.get(id)!;
    expect(times).toHaveLength(MAX_ATTEMPTS);
    // The backoff the worker scheduled after each failure (not the wall-clock gap, which a loaded
    // machine stretches): attempt n+1 is due between half and all of base·2^(n-1) (equal jitter)…
    const schedule = scheduled.get(id)!;
    expect(schedule.map((s) => s.status)).toEqual([...Array(MAX_ATTEMPTS - 1).fill('retrying'), 'dead']);
    times.slice(1).forEach((at, i) => {
      const ceiling = RETRY_BASE_MS * 2 ** i;
      const { failedAt, dueAt } = schedule[i];
      expect([i + 1, dueAt - failedAt]).toEqual([i + 1, expect.any(Number)]);
      expect(dueAt - failedAt).toBeGreaterThanOrEqual(ceiling / 2 - 1);
      expect(dueAt - failedAt).toBeLessThanOrEqual(ceiling + 1);
      // …and it did not run before it was due (timers may fire late, never more than a tick early).
      expect(at).toBeGreaterThanOrEqual(dueAt - 2);
    });
    await metricReaches('webhook_attempt_failures_total{source="acme",type="order.flaky"}', MAX_ATTEMPTS);
    await metricReaches('webhook_dead_total{source="acme",type="order.flaky"}', 1);

    // Read scope cannot replay; admin can.
    expect((await replay(id, readToken)).status).toBe(403);
    failing = false;
    const res = await replay(id);
    expect(res.status).toBe(202);
    expect(((await res.json()) as { data: Stored }).data).toMatchObject({
      eventId: id,
      status: 'pending',
      attempts: 0,
    });
    const processed = await inState(id, 'processed');
    expect(processed.attempts).toBe(1);
    expect(processed.processedAt).not.toBeNull();
    expect(invocations.get(id)).toBe(MAX_ATTEMPTS + 1);
  });

  it('rolls the business write back with a failed attempt (one transaction)', async () => {
    const id = await deliver('order.rollback');
    const processed = await inState(id, 'processed');
    expect(processed).toMatchObject({ attempts: 2, lastError: 'Error: failed after the business write' });
    const rows = (await t.app
      .get(DataSource)
      .query('SELECT id FROM users WHERE name = ' + (t.config.database.type === 'postgres' ? '$1' : '?'), [id])) as {
      id: string;
    }[];
    expect(rows.map((r) => r.id)).toEqual([`${id.slice(0, 30)}-2`]);
  });

  it('stores an event of a type without a handler as ignored (not failed, never dispatched); a replay runs it through a worker', async () => {
    const id = await deliver('order.unheard-of');
    const ignored = await event(id);
    expect(ignored).toMatchObject({ status: 'ignored', attempts: 0, lastError: null });
    expect(ignored.processedAt).not.toBeNull();
    await metricReaches('webhook_processed_total{source="acme",type="order.unheard-of",outcome="ignored"}', 1);
    expect((await replay(id)).status).toBe(202);
    await waitFor(
      async () => {
        const e = await event(id);
        return e.status === 'ignored' && e.attempts === 1;
      },
      { what: 'the replayed event ignored by a worker' },
    );
    await metricReaches('webhook_processed_total{source="acme",type="order.unheard-of",outcome="ignored"}', 2);
  });

  it('refuses a replay while the event is processing (409), and replays a processed one; 404 for an unknown id', async () => {
    const id = await deliver('order.slow');
    await inState(id, 'processing');
    const busy = await replay(id);
    expect(busy.status).toBe(409);
    expect(((await busy.json()) as { type: string }).type).toMatch(/\/conflict$/);
    await waitFor(() => release, { what: 'the slow handler to block' });
    release!();
    await inState(id, 'processed');
    expect((await replay(id)).status).toBe(202);
    await waitFor(() => invocations.get(id) === 2, { what: 'the replay to run the handler again' });
    await inState(id, 'processed');
    expect((await replay('01JNOSUCHEVENT000000000000')).status).toBe(404);
  });

  it('finishes an event committed but never dispatched (the sweeper)', async () => {
    // What a crash between the commit and the enqueue leaves: a pending row and no message.
    const inbox = t.app.get(WebhookInbox);
    const delivery = standardDelivery({ type: 'order.created' });
    const { eventId } = await inbox.insert({
      source: 'acme',
      externalEventId: delivery.id,
      type: 'order.created',
      body: delivery.body,
      headers: {},
    });
    const processed = await inState(eventId, 'processed', 5000);
    expect(processed.attempts).toBe(1);
    expect(invocations.get(eventId)).toBe(1);
  });

  it('takes over an event whose worker died (lease expired), and buries one that died on its last attempt', async () => {
    const inbox = t.app.get(WebhookInbox);
    const dataSource = t.app.get(DataSource);
    const pg = t.config.database.type === 'postgres';
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
    const processed = await inState(taken, 'processed', 5000);
    expect(processed.attempts).toBe(2);
    expect(invocations.get(taken)).toBe(1);
    const dead = await inState(buried, 'dead', 5000);
    expect(dead).toMatchObject({ attempts: MAX_ATTEMPTS, processedAt: null });
    expect(dead.lastError).toMatch(/lease expired during attempt 4 of 4/);
    expect(invocations.get(buried)).toBeUndefined();
  });

  it('shows the backlog on /status, the queue on /debug, and the queue in /health', async () => {
    const status = (await (await fetch(`${base}/status`)).json()) as { webhooks: Record<string, unknown> };
    expect(status.webhooks).toEqual({
      queue: t.config.redis.url ? 'bullmq' : 'in-process',
      backlog: {
        pending: expect.any(Number),
        retrying: expect.any(Number),
        processing: expect.any(Number),
        dead: expect.any(Number),
      },
      oldestPendingAgeSeconds: null,
    });
    const token = await t.token(['ops:admin']);
    const debug = (await (await fetch(`${base}/debug`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      webhooks: Record<string, unknown>;
      config: { webhooks: { sources: Record<string, { secrets: string[] }> } };
    };
    expect(debug.webhooks).toMatchObject({
      queue: { kind: t.config.redis.url ? 'bullmq' : 'in-process', concurrency: 8 },
      handlers: { 'acme order.created': 'TestHandlers.created', 'acme order.flaky': 'TestHandlers.flaky' },
      settings: { maxAttempts: MAX_ATTEMPTS, retryBaseMs: RETRY_BASE_MS },
    });
    expect(JSON.stringify(debug)).not.toContain(STANDARD_SECRET);
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    // The queue shows in /health (degraded when failing); readiness depends on the database alone.
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { info: Record<string, unknown> }).info.webhooks).toMatchObject({ status: 'up' });
  });

  it('answers 503 (never 2xx or 4xx) while the inbox cannot be written, and stores the redelivery afterwards', async () => {
    const dataSource = t.app.get(DataSource);
    const inbox = t.app.get(WebhookInbox);
    const delivery = standardDelivery({ type: 'order.created' });
    await inbox.serial(() => dataSource.query('ALTER TABLE webhook_events RENAME TO webhook_events_away'));
    try {
      const res = await post(delivery);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await res.json()) as { type: string }).type).toMatch(/\/service-unavailable$/);
    } finally {
      await inbox.serial(() => dataSource.query('ALTER TABLE webhook_events_away RENAME TO webhook_events'));
    }
    const again = await post(standardDelivery(undefined, { id: delivery.id, body: delivery.body }));
    expect(again.status).toBe(200);
    const data = ((await again.json()) as { data: { eventId: string; duplicate: boolean } }).data;
    expect(data.duplicate).toBe(false);
    await inState(data.eventId, 'processed');
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
