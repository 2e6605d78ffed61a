import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { WebhookHandler, type InboxEvent } from '../src/modules/webhooks/handlers/webhook-handler.decorator.js';
import { WebhookInbox } from '../src/modules/webhooks/inbox/webhook-inbox.service.js';
import { WebhookWorker } from '../src/modules/webhooks/dispatch/webhook-worker.service.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { STANDARD_SECRET, standardDelivery } from './support/webhook-deliveries.js';
import { waitFor } from './support/wait.js';

const LEASE_MS = 300;
const started: string[] = [];
const waiting = new Map<string, () => void>();

@Injectable()
class LongHandlers {
  /** A call that takes as long as the test says (released by the test), made after the commit. */
  @WebhookHandler('acme', 'order.long')
  long(event: InboxEvent): Promise<void> {
    started.push(event.eventId);
    event.afterCommit(() => new Promise<void>((resolve) => waiting.set(event.eventId, resolve)));
    return Promise.resolve();
  }
}

interface Debug {
  claims: { won: number; missed: number };
  leaseRenewals: number;
}

/** Lease renewal: a short lease keeps live work with its worker, and a dead worker's lease runs out. */
describe('webhook leases (e2e)', () => {
  let t: TestApp;
  let inbox: WebhookInbox;
  let worker: WebhookWorker;

  beforeAll(async () => {
    t = await startTestApp(
      {
        WEBHOOK_ACME_SCHEME: 'standard',
        WEBHOOK_ACME_SECRETS: STANDARD_SECRET,
        WEBHOOK_LEASE_MS: String(LEASE_MS),
        // The sweeper runs only when the test triggers it (its first run is at start-up).
        WEBHOOK_SWEEP_INTERVAL_MS: '3600000',
      },
      { providers: [LongHandlers] },
    );
    inbox = t.app.get(WebhookInbox);
    worker = t.app.get(WebhookWorker);
    await worker.sweep();
  });
  afterAll(async () => {
    for (const release of waiting.values()) release();
    await t.close();
  });

  const insert = async (type: string) => {
    const d = standardDelivery({ type });
    return (await inbox.insert({ source: 'acme', externalEventId: d.id, type, body: d.body, headers: {} })).eventId;
  };
  const row = async (id: string) => {
    const pg = t.config.database.type === 'postgres';
    const rows = (await t.app
      .get(DataSource)
      .query(`SELECT status, attempts, lease_until FROM webhook_events WHERE id = ${pg ? '$1' : '?'}`, [id])) as {
      status: string;
      attempts: number;
      lease_until: string | Date | null;
    }[];
    return rows[0];
  };
  const debug = async () => (await worker.details()) as unknown as Debug;

  it('renews the lease while a call outlasts it: a second worker and the sweeper leave the event alone', async () => {
    const id = await insert('order.long');
    const processing = worker.process(id);
    await waitFor(() => waiting.has(id), { what: 'the after-commit call to start', timeoutMs: 5000 });
    const claimedUntil = Date.now() + LEASE_MS;
    const renewalsBefore = (await debug()).leaseRenewals;
    // Wait until the claim's lease has run out by the clock (twice over): what a second worker needs.
    await waitFor(() => Date.now() > claimedUntil + LEASE_MS, { what: 'two leases', timeoutMs: 10000 });
    const missedBefore = (await debug()).claims.missed;
    await worker.process(id);
    await worker.sweep();
    expect((await debug()).claims.missed).toBe(missedBefore + 1);
    expect(started.filter((e) => e === id)).toHaveLength(1);
    expect((await row(id)).status).toBe('processing');
    expect((await debug()).leaseRenewals).toBeGreaterThan(renewalsBefore);

    waiting.get(id)!();
    await processing;
    expect(await row(id)).toMatchObject({ status: 'processed', attempts: 1 });
    expect(started.filter((e) => e === id)).toHaveLength(1);
  });

  it("retakes a dead worker's event once its lease has run out (no renewal comes)", async () => {
    const id = await insert('order.long');
    // Claimed by a worker that then died: nobody renews.
    const claim = await inbox.claim(id, 'dead-worker', LEASE_MS, 5);
    expect(claim).not.toBeNull();
    await worker.sweep();
    expect(started).not.toContain(id);
    await waitFor(
      async () => {
        const r = await row(id);
        const until =
          r.lease_until instanceof Date ? r.lease_until : new Date(`${String(r.lease_until).replace(' ', 'T')}Z`);
        return Date.now() > until.getTime();
      },
      { what: 'the dead lease to expire', timeoutMs: 5000 },
    );
    await worker.sweep();
    await waitFor(() => waiting.has(id), { what: 'the event retaken', timeoutMs: 5000 });
    waiting.get(id)!();
    await waitFor(async () => (await row(id)).status === 'processed', {
      what: 'the retaken event processed',
      timeoutMs: 5000,
    });
    expect(await row(id)).toMatchObject({ status: 'processed', attempts: 2 });
  });
});
