// Processing of stored webhook events: once under concurrent deliveries, retries with backoff until dead,
// one transaction per attempt, types without a handler, and replays. The app and its recording handlers:
// test/support/webhook-processing-suite.ts.
import { DataSource } from 'typeorm';
import { WebhookWorker } from '../src/modules/webhooks/dispatch/webhook-worker.service.js';
import { standardDelivery } from './support/webhook-deliveries.js';
import { MAX_ATTEMPTS, processingSuite, RETRY_BASE_MS, type Stored } from './support/webhook-processing-suite.js';
import { waitFor } from './support/wait.js';
import { sweepAndSettle } from './support/webhook-settle.js';

describe('webhook processing (e2e): attempts and replays', () => {
  const s = processingSuite();

  it('stores and processes one event once when 100 deliveries of it arrive at the same moment', async () => {
    const first = standardDelivery({ type: 'order.created', data: { orderId: 'o-100' } });
    // Each retry of a sender is signed again; all carry the same webhook-id and body.
    const deliveries = Array.from({ length: 100 }, () =>
      standardDelivery(undefined, { id: first.id, body: first.body }),
    );
    const responses = await Promise.all(deliveries.map(s.post));
    expect(responses.map((r) => r.status)).toEqual(Array(100).fill(200));
    const data = await Promise.all(
      responses.map(async (r) => ((await r.json()) as { data: { eventId: string; duplicate: boolean } }).data),
    );
    const ids = new Set(data.map((d) => d.eventId));
    expect(ids.size).toBe(1);
    expect(data.filter((d) => !d.duplicate)).toHaveLength(1);
    const [id] = [...ids];
    await s.inState(id, 'processed');
    // Whatever could run it again, triggered rather than waited for: a duplicate dispatch, and a sweep as
    // late as any lease or retry could fall due; then until all they dispatched has run.
    await s.t.app.get(WebhookWorker).process(id);
    await sweepAndSettle(s.t.app, new Date(Date.now() + 3_600_000));
    expect(s.handlers.invocations.get(id)).toBe(1);
    expect((await s.event(id)).attempts).toBe(1);
    const list = await fetch(`${s.base}/api/v1/webhook-events?externalEventId=${first.id}`, {
      headers: { authorization: `Bearer ${s.readToken}` },
    });
    expect(((await list.json()) as { total: number }).total).toBe(1);
    await s.metricReaches('webhook_duplicates_total{source="acme"}', 99);
  });

  it('retries a failing handler with exponential backoff, marks it dead, and a replay then succeeds', async () => {
    s.handlers.failing = true;
    const id = await s.deliver('order.flaky');
    const dead = await s.inState(id, 'dead');
    expect(dead).toMatchObject({
      attempts: MAX_ATTEMPTS,
      lastError: 'Error: downstream unavailable',
      processedAt: null,
    });
    const times = s.handlers.attemptTimes.get(id)!;
    expect(times).toHaveLength(MAX_ATTEMPTS);
    // The backoff the worker scheduled after each failure (not the wall-clock gap, which a loaded
    // machine stretches): attempt n+1 is due between half and all of base·2^(n-1) (equal jitter)…
    const schedule = s.handlers.scheduled.get(id)!;
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
    await s.metricReaches('webhook_attempt_failures_total{source="acme",type="order.flaky"}', MAX_ATTEMPTS);
    await s.metricReaches('webhook_dead_total{source="acme",type="order.flaky"}', 1);

    // Read scope cannot replay; admin can.
    expect((await s.replay(id, s.readToken)).status).toBe(403);
    s.handlers.failing = false;
    const res = await s.replay(id);
    expect(res.status).toBe(202);
    expect(((await res.json()) as { data: Stored }).data).toMatchObject({
      eventId: id,
      status: 'pending',
      attempts: 0,
    });
    const processed = await s.inState(id, 'processed');
    expect(processed.attempts).toBe(1);
    expect(processed.processedAt).not.toBeNull();
    expect(s.handlers.invocations.get(id)).toBe(MAX_ATTEMPTS + 1);
  });

  it('rolls the business write back with a failed attempt (one transaction)', async () => {
    const id = await s.deliver('order.rollback');
    const processed = await s.inState(id, 'processed');
    expect(processed).toMatchObject({ attempts: 2, lastError: 'Error: failed after the business write' });
    const rows = (await s.t.app
      .get(DataSource)
      .query('SELECT id FROM users WHERE name = ' + (s.t.config.database.type === 'postgres' ? '$1' : '?'), [id])) as {
      id: string;
    }[];
    expect(rows.map((r) => r.id)).toEqual([`${id.slice(0, 30)}-2`]);
  });

  it('stores an event of a type without a handler as ignored (not failed, never dispatched); a replay runs it through a worker', async () => {
    const id = await s.deliver('order.unheard-of');
    const ignored = await s.event(id);
    expect(ignored).toMatchObject({ status: 'ignored', attempts: 0, lastError: null });
    expect(ignored.processedAt).not.toBeNull();
    await s.metricReaches('webhook_processed_total{source="acme",type="order.unheard-of",outcome="ignored"}', 1);
    expect((await s.replay(id)).status).toBe(202);
    await waitFor(
      async () => {
        const e = await s.event(id);
        return e.status === 'ignored' && e.attempts === 1;
      },
      { what: 'the replayed event ignored by a worker' },
    );
    await s.metricReaches('webhook_processed_total{source="acme",type="order.unheard-of",outcome="ignored"}', 2);
  });

  it('refuses a replay while the event is processing (409), and replays a processed one; 404 for an unknown id', async () => {
    const id = await s.deliver('order.slow');
    await s.inState(id, 'processing');
    const busy = await s.replay(id);
    expect(busy.status).toBe(409);
    expect(((await busy.json()) as { type: string }).type).toMatch(/\/conflict$/);
    await waitFor(() => s.handlers.release, { what: 'the slow handler to block' });
    s.handlers.release!();
    await s.inState(id, 'processed');
    expect((await s.replay(id)).status).toBe(202);
    await waitFor(() => s.handlers.invocations.get(id) === 2, { what: 'the replay to run the handler again' });
    await s.inState(id, 'processed');
    expect((await s.replay('01JNOSUCHEVENT000000000000')).status).toBe(404);
  });
});
