// The app of the webhook receiver suites (test/webhooks-receiver-*.e2e-spec.ts): sources of every scheme (acme:
// Standard Webhooks with a rotated secret and an allowlist, shop: Stripe, gh: GitHub, fenced: an allowlist the
// tests' loopback address is not in), and handlers that record the events they were given. Each suite gets its
// own app and its own record of calls.
import { createHmac, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { WebhookHandler, type InboxEvent } from '../../src/modules/webhooks/handlers/webhook-handler.decorator.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { scrapeMetrics } from './metrics.js';
import { waitFor } from './wait.js';
import {
  GITHUB_SECRET,
  STANDARD_OLD_SECRET,
  STANDARD_SECRET,
  STRIPE_SECRET,
  type Delivery,
} from './webhook-deliveries.js';

export const MAX_BYTES = 2048;
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

const CALLS = Symbol('RecordingHandlers.calls');

@Injectable()
class RecordingHandlers {
  constructor(@Inject(CALLS) private readonly calls: InboxEvent[]) {}

  @WebhookHandler('acme', 'order.created')
  @WebhookHandler('shop', 'charge.succeeded')
  @WebhookHandler('gh', 'push')
  async record(event: InboxEvent, manager: EntityManager): Promise<void> {
    // The transaction's manager works (a read inside the same transaction).
    await manager.query('SELECT 1');
    this.calls.push(event);
  }
}

export interface EventBody {
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

export interface ReceiverSuite {
  t: TestApp;
  base: string;
  /** A token of scope webhooks:read. */
  readToken: string;
  /** The events the handlers were given, in order. */
  calls: InboxEvent[];
  post(source: string, delivery: Delivery): Promise<Response>;
  /** Posts a delivery that must be stored as a new event; answers its eventId. */
  accepted(source: string, delivery: Delivery): Promise<string>;
  event(id: string): Promise<EventBody>;
  /** Until the event is processed, ignored or dead. */
  finished(id: string): Promise<EventBody>;
  /** The `total` of GET /api/v1/webhook-events with `query` (`&name=value...`). */
  total(query?: string): Promise<number>;
  /** GET /metrics (scope ops:read). */
  metrics(): Promise<string>;
}

/**
 * Registers, in the calling describe, an app with RecordingHandlers listening on 127.0.0.1 (started before its
 * tests, closed after them). The fields are set once beforeAll has run.
 */
export function receiverSuite(): ReceiverSuite {
  const calls: InboxEvent[] = [];
  const suite = { calls } as ReceiverSuite;
  const read = () => ({ headers: { authorization: `Bearer ${suite.readToken}` } });
  suite.post = (source, delivery) =>
    fetch(`${suite.base}/api/v1/webhooks/${source}`, {
      method: 'POST',
      headers: delivery.headers,
      body: delivery.body,
    });
  suite.accepted = async (source, delivery) => {
    const res = await suite.post(source, delivery);
    const body = (await res.json()) as { status: string; data: { eventId: string; duplicate: boolean } };
    expect([res.status, body]).toEqual([200, expect.objectContaining({ status: 'success' })]);
    expect(body.data.duplicate).toBe(false);
    return body.data.eventId;
  };
  suite.event = async (id) => {
    const res = await fetch(`${suite.base}/api/v1/webhook-events/${id}`, read());
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: EventBody }).data;
  };
  suite.finished = (id) =>
    waitFor(
      async () => {
        const e = await suite.event(id);
        return ['processed', 'ignored', 'dead'].includes(e.status) ? e : undefined;
      },
      { what: `event ${id} finished`, timeoutMs: 10000 },
    );
  suite.total = async (query = '') => {
    const res = await fetch(`${suite.base}/api/v1/webhook-events?limit=1${query}`, read());
    return ((await res.json()) as { total: number }).total;
  };
  suite.metrics = async () => scrapeMetrics(suite.base, await suite.t.token(['ops:read']));

  beforeAll(async () => {
    suite.t = await startTestApp(ENV, { providers: [RecordingHandlers, { provide: CALLS, useValue: calls }] });
    await suite.t.app.listen(0, '127.0.0.1');
    suite.base = `http://127.0.0.1:${(suite.t.app.getHttpServer().address() as AddressInfo).port}`;
    suite.readToken = await suite.t.token(['webhooks:read']);
  });
  afterAll(async () => {
    await suite.t?.close();
  });
  return suite;
}

/** `delivery` without one of its headers. */
export function withoutHeader(delivery: Delivery, name: string): Delivery {
  const headers = { ...delivery.headers };
  delete headers[name];
  return { headers, body: delivery.body };
}

/**
 * A GitHub delivery of event `binary` whose body is `bytes`, not JSON (only GitHub accepts that):
 * @octokit/webhooks-methods signs strings, so the HMAC over these bytes is computed as GitHub does.
 */
export function githubBytesDelivery(bytes: Buffer): Delivery {
  return {
    body: bytes,
    headers: {
      'content-type': 'application/octet-stream',
      'x-github-event': 'binary',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': `sha256=${createHmac('sha256', GITHUB_SECRET).update(bytes).digest('hex')}`,
    },
  };
}
