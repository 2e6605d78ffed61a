// The app of the webhook processing suites (test/webhooks-processing-*.e2e-spec.ts): handlers of `acme` event
// types that record their calls, and the retry schedule the worker wrote after each failed attempt. Each suite
// gets its own app and its own record (HandlerRecord, injected into the handlers), so no suite reads what
// another's handlers did.
import type { AddressInfo } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { WebhookHandler, type InboxEvent } from '../../src/modules/webhooks/handlers/webhook-handler.decorator.js';
import { WebhookInbox } from '../../src/modules/webhooks/inbox/webhook-inbox.service.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { metricValue, scrapeMetrics } from './metrics.js';
import { waitFor } from './wait.js';
import { sleep, STANDARD_SECRET, standardDelivery, type Delivery } from './webhook-deliveries.js';

export const RETRY_BASE_MS = 100;
export const MAX_ATTEMPTS = 4;
const ENV = {
  WEBHOOK_ACME_SCHEME: 'standard',
  WEBHOOK_ACME_SECRETS: STANDARD_SECRET,
  WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
  WEBHOOK_RETRY_BASE_MS: String(RETRY_BASE_MS),
  WEBHOOK_LEASE_MS: '2000',
  WEBHOOK_SWEEP_INTERVAL_MS: '200',
  WEBHOOK_WORKER_CONCURRENCY: '8',
};

/** What the handlers of one suite's app did, and the switches its tests flip. */
export interface HandlerRecord {
  /** Handler calls by event id. */
  invocations: Map<string, number>;
  /** When `order.flaky` ran, by event id. */
  attemptTimes: Map<string, number[]>;
  /** What the worker recorded after each failed attempt: when, and when the next attempt is due. */
  scheduled: Map<string, { status: string; failedAt: number; dueAt: number }[]>;
  /** `order.flaky` throws while set. */
  failing: boolean;
  /** Set while the first attempt of an `order.slow` event blocks: calling it lets the attempt finish. */
  release: (() => void) | null;
}

const HANDLER_RECORD = Symbol('HandlerRecord');

@Injectable()
class TestHandlers {
  constructor(@Inject(HANDLER_RECORD) private readonly record: HandlerRecord) {}

  private count(event: InboxEvent): void {
    this.record.invocations.set(event.eventId, (this.record.invocations.get(event.eventId) ?? 0) + 1);
  }

  @WebhookHandler('acme', 'order.created')
  async created(event: InboxEvent): Promise<void> {
    this.count(event);
    // A window in which a second, concurrent processing would show.
    await sleep(30);
  }

  @WebhookHandler('acme', 'order.flaky')
  async flaky(event: InboxEvent): Promise<void> {
    this.count(event);
    this.record.attemptTimes.set(event.eventId, [...(this.record.attemptTimes.get(event.eventId) ?? []), Date.now()]);
    if (this.record.failing) throw new Error('downstream unavailable');
  }

  /** Writes a business row, then fails on the first attempt: that write must roll back with it. */
  @WebhookHandler('acme', 'order.rollback')
  async rollback(event: InboxEvent, manager: EntityManager): Promise<void> {
    this.count(event);
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
    this.count(event);
    if (event.attempt === 1 && this.record.invocations.get(event.eventId) === 1) {
      await new Promise<void>((resolve) => (this.record.release = resolve));
    }
  }
}

export interface Stored {
  eventId: string;
  status: string;
  attempts: number;
  lastError: string | null;
  processedAt: string | null;
}

export interface ProcessingSuite {
  t: TestApp;
  base: string;
  readToken: string;
  /** webhooks:read and webhooks:admin. */
  adminToken: string;
  handlers: HandlerRecord;
  post(delivery: Delivery): Promise<Response>;
  /** Delivers a new event of `type` to acme (200 expected) and answers its eventId. */
  deliver(type: string): Promise<string>;
  event(id: string): Promise<Stored>;
  inState(id: string, status: string, timeoutMs?: number): Promise<Stored>;
  replay(id: string, token?: string): Promise<Response>;
  /** A worker counts right after its database write, which the test may observe first: polls. */
  metricReaches(series: string, expected: number): Promise<void>;
}

/**
 * Registers, in the calling describe, an app with TestHandlers listening on 127.0.0.1 (started before its
 * tests, closed after them, a blocked slow handler released first). The fields are set once beforeAll has run.
 */
export function processingSuite(): ProcessingSuite {
  const handlers: HandlerRecord = {
    invocations: new Map(),
    attemptTimes: new Map(),
    scheduled: new Map(),
    failing: true,
    release: null,
  };
  const suite = { handlers } as ProcessingSuite;
  suite.post = (delivery) =>
    fetch(`${suite.base}/api/v1/webhooks/acme`, { method: 'POST', headers: delivery.headers, body: delivery.body });
  suite.deliver = async (type) => {
    const res = await suite.post(standardDelivery({ type }));
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: { eventId: string } }).data.eventId;
  };
  suite.event = async (id) => {
    const res = await fetch(`${suite.base}/api/v1/webhook-events/${id}`, {
      headers: { authorization: `Bearer ${suite.readToken}` },
    });
    return ((await res.json()) as { data: Stored }).data;
  };
  suite.inState = (id, status, timeoutMs = 10000) =>
    waitFor(
      async () => {
        const e = await suite.event(id);
        return e.status === status ? e : undefined;
      },
      { what: `event ${id} ${status}`, timeoutMs: timeoutMs },
    );
  suite.replay = (id, token = suite.adminToken) =>
    fetch(`${suite.base}/api/v1/webhook-events/${id}/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
  suite.metricReaches = async (series, expected) => {
    let last: number | undefined;
    await waitFor(
      async () => {
        last = metricValue(await scrapeMetrics(suite.base, await suite.t.token(['ops:read'])), series);
        return last === expected;
      },
      { what: `${series} = ${expected}`, timeoutMs: 3000 },
    ).catch(() => expect([series, last]).toEqual([series, expected]));
  };

  beforeAll(async () => {
    suite.t = await startTestApp(ENV, {
      providers: [TestHandlers, { provide: HANDLER_RECORD, useValue: handlers }],
    });
    await suite.t.app.listen(0, '127.0.0.1');
    suite.base = `http://127.0.0.1:${(suite.t.app.getHttpServer().address() as AddressInfo).port}`;
    suite.readToken = await suite.t.token(['webhooks:read']);
    suite.adminToken = await suite.t.token(['webhooks:read', 'webhooks:admin']);
    const inbox = suite.t.app.get(WebhookInbox);
    const fail = inbox.fail.bind(inbox);
    inbox.fail = (id, owner, outcome) => {
      const entry = { status: outcome.status, failedAt: Date.now(), dueAt: outcome.availableAt.getTime() };
      handlers.scheduled.set(id, [...(handlers.scheduled.get(id) ?? []), entry]);
      return fail(id, owner, outcome);
    };
  });
  afterAll(async () => {
    handlers.release?.();
    await suite.t?.close();
  });
  return suite;
}
