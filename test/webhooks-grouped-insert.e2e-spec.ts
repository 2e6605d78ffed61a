import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { WebhookInbox } from '../src/modules/webhooks/inbox/webhook-inbox.service.js';
import { WebhookWorker } from '../src/modules/webhooks/dispatch/webhook-worker.service.js';
import type { NewInboxEvent } from '../src/modules/webhooks/inbox/inbox-rows.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { STANDARD_SECRET } from './support/webhook-deliveries.js';

/**
 * The receiver's inserts are grouped (group commit) when they queue for the intake's connections: on
 * SQLite (one writer) and PostgreSQL alike, each event is stored once, a duplicate gets the stored row's
 * id, and one refused event does not take the others of its group with it.
 */
describe('webhook inbox: grouped inserts (e2e)', () => {
  let t: TestApp;
  let inbox: WebhookInbox;

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_ACME_SCHEME: 'standard', WEBHOOK_ACME_SECRETS: STANDARD_SECRET });
    inbox = t.app.get(WebhookInbox);
  });
  afterAll(() => t.close());

  const event = (externalEventId: string, headers: Record<string, unknown> = {}): NewInboxEvent => ({
    status: 'ignored',
    source: 'acme',
    externalEventId,
    type: 'order.created',
    body: Buffer.from(`{"id":"${externalEventId}"}`),
    headers: headers as Record<string, string>,
  });
  const storedRows = async (ids: string[]) => {
    const pg = t.config.database.type === 'postgres';
    const list = ids.map((_, i) => (pg ? `$${i + 1}` : '?')).join(', ');
    const rows = (await t.app
      .get(DataSource)
      .query(`SELECT id, external_event_id FROM webhook_events WHERE external_event_id IN (${list})`, ids)) as {
      id: string;
      external_event_id: string;
    }[];
    return rows;
  };

  it('stores each of many concurrent events once, in fewer statements than events', async () => {
    const ids = Array.from({ length: 120 }, () => randomUUID());
    const exec = jest.spyOn(inbox, 'exec');
    try {
      const pending = ids.map((id) => inbox.insert(event(id)));
      // Those that found no free intake connection wait for the next group, and /debug says how many.
      // details() reads the count before its first await: the same moment as the line after it.
      const debug = t.app.get(WebhookWorker).details();
      const waiting = inbox.intakeWaiting;
      expect(waiting).toBeGreaterThan(0);
      expect((await debug).intakeWaiting).toBe(waiting);
      const stored = await Promise.all(pending);
      expect(inbox.intakeWaiting).toBe(0);
      expect(stored.every((s) => !s.duplicate)).toBe(true);
      expect(new Set(stored.map((s) => s.eventId)).size).toBe(ids.length);
      const inserts = exec.mock.calls.filter(([sql]) => sql.startsWith('INSERT INTO webhook_events'));
      expect(inserts.length).toBeLessThan(ids.length);
      expect(inserts.length).toBeGreaterThan(1);
    } finally {
      exec.mockRestore();
    }
    const rows = await storedRows(ids);
    expect(rows).toHaveLength(ids.length);
  });

  it('stores the first of several deliveries of one event and answers the others as duplicates of it', async () => {
    const repeated = randomUUID();
    const others = Array.from({ length: 20 }, () => randomUUID());
    // The repeated event arrives in the middle of a burst (its copies land in one group) and again later.
    const burst = [...others.slice(0, 10), repeated, repeated, ...others.slice(10), repeated];
    const stored = await Promise.all(burst.map((id) => inbox.insert(event(id))));
    const copies = stored.filter((_, i) => burst[i] === repeated);
    expect(copies.map((c) => c.duplicate)).toEqual([false, true, true]);
    expect(new Set(copies.map((c) => c.eventId)).size).toBe(1);
    const again = await inbox.insert(event(repeated));
    expect(again).toEqual({ eventId: copies[0].eventId, duplicate: true });
    const rows = await storedRows([repeated, ...others]);
    expect(rows).toHaveLength(others.length + 1);
    expect(rows.find((r) => r.external_event_id === repeated)?.id).toBe(copies[0].eventId);
  });

  it('answers a group of redeliveries with the stored ids, looked up together rather than one by one', async () => {
    const ids = Array.from({ length: 12 }, () => randomUUID());
    const first = await Promise.all(ids.map((id) => inbox.insert(event(id))));
    const fresh = Array.from({ length: 12 }, () => randomUUID());
    const exec = jest.spyOn(inbox, 'exec');
    try {
      // A provider redelivering a dozen stored events amid new ones, all at once.
      const burst = fresh.flatMap((id, i) => [id, ids[i]]);
      const stored = await Promise.all(burst.map((id) => inbox.insert(event(id))));
      expect(stored.filter((_, i) => i % 2 === 1)).toEqual(first.map((s) => ({ ...s, duplicate: true })));
      expect(stored.filter((_, i) => i % 2 === 0).every((s) => !s.duplicate)).toBe(true);
      const inserts = exec.mock.calls.filter(([sql]) => sql.startsWith('INSERT INTO webhook_events')).length;
      const lookups = exec.mock.calls.filter(([sql]) => /^SELECT id\b.* FROM webhook_events WHERE/.test(sql)).length;
      // One lookup per statement that met redeliveries, never one per redelivery.
      expect(lookups).toBeLessThanOrEqual(inserts);
      expect(lookups).toBeLessThan(ids.length);
    } finally {
      exec.mockRestore();
    }
  });

  it('refuses one event whose headers cannot be stored without failing the rest of its group', async () => {
    const ids = Array.from({ length: 30 }, () => randomUUID());
    const results = await Promise.allSettled(
      // A BigInt has no JSON form: that event's headers cannot be written.
      ids.map((id, i) => inbox.insert(event(id, i === 15 ? { 'x-count': 1n } : {}))),
    );
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(results[15].status).toBe('rejected');
    const rows = await storedRows(ids);
    expect(rows.map((r) => r.external_event_id).sort()).toEqual(ids.filter((_, i) => i !== 15).sort());
  });
});
