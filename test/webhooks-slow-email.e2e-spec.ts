import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEV_SECRETS } from '../src/config/env.schema.js';
import { startWithSandbox, type SandboxedApp } from './support/integrations.js';
import { standardDelivery } from './support/webhook-deliveries.js';
import { waitFor } from './support/wait.js';

/** An email service that takes every message and answers only when told to. */
interface HangingEmail {
  url: string;
  held: { req: IncomingMessage; res: ServerResponse; key: string; closed: boolean }[];
  release(): void;
  close(): Promise<void>;
}

async function startHangingEmail(): Promise<HangingEmail> {
  const held: HangingEmail['held'] = [];
  let released = false;
  const answer = (res: ServerResponse, key: string) =>
    res
      .writeHead(202, { 'content-type': 'application/json' })
      .end(JSON.stringify({ id: `msg_${key.replace(/[^A-Za-z0-9]/g, '').slice(-20)}`, status: 'queued' }));
  const server: Server = createServer((req, res) => {
    if (req.url?.endsWith('/health')) return void res.writeHead(200).end('{}');
    req.resume();
    req.on('end', () => {
      const key = String(req.headers['idempotency-key'] ?? '');
      if (released) return answer(res, key);
      const entry = { req, res, key, closed: false };
      res.on('close', () => (entry.closed = true));
      held.push(entry);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    held,
    release() {
      released = true;
      for (const h of held) if (!h.closed) answer(h.res, h.key);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Envelope<T> {
  data: T;
}

/**
 * The email is a follow-up of a settlement, and its call must not hold the database: with the email
 * service hanging, a new signed webhook is still acknowledged (while the call is pending), on SQLite
 * (one write lock) and on PostgreSQL (a pool of two connections, both held by calls before the fix).
 */
describe('webhook acknowledgements while the email service hangs', () => {
  let s: SandboxedApp;
  let email: HangingEmail;
  let appUrl = '';
  let auth: { authorization: string };

  beforeAll(async () => {
    email = await startHangingEmail();
    try {
      s = await startWithSandbox(
        {
          EMAIL_SERVICE_URLS: `${email.url}/a,${email.url}/b`,
          // Two connections, both held by the two notifications' calls before the fix.
          DATABASE_POOL_SIZE: '2',
          // Before the fix the call held the lock until this budget ended; the assertions then fail.
          HTTP_READ_TIMEOUT_MS: '5000',
          HTTP_TOTAL_TIMEOUT_MS: '5000',
          WEBHOOK_RETRY_BASE_MS: '20',
          CIRCUIT_MIN_CALLS: '100000',
        },
        {
          settleDelayMs: 20,
          webhook: {
            url: () => `${appUrl}/api/v1/webhooks/payment-service`,
            secret: DEV_SECRETS.WEBHOOK_PAYMENT_SERVICE_SECRETS,
            retryBaseMs: 50,
          },
        },
      );
    } catch (e) {
      await email.close();
      throw e;
    }
    await s.t.app.listen(0, '127.0.0.1');
    appUrl = (await s.t.app.getUrl()).replace('[::1]', '127.0.0.1');
    auth = { authorization: `Bearer ${await s.t.token()}` };
  });
  afterAll(async () => {
    email?.release();
    try {
      await s?.close();
    } finally {
      await email?.close();
    }
  });

  it('acknowledges and processes a burst of new webhooks while the email calls are still pending; then emails once each', async () => {
    const user = await s.t.http
      .post('/api/v1/users')
      .set(auth)
      .send({ name: 'Slow', email: 'slow-email@example.com' })
      .expect(201);
    for (const amount of [1200, 1300]) {
      await s.t.http
        .post('/api/v1/payments')
        .set(auth)
        .send({ userId: user.body.data.userId, amount, currency: 'JPY' })
        .expect(201);
    }
    // Both settlements' notifications are now calling the email service, which does not answer.
    await waitFor(() => email.held.length >= 2, { what: 'both email calls', timeoutMs: 15000 });
    const calls = email.held.slice(0, 2);

    // A bounded burst of new signed webhooks (20) while both calls hang: every one acknowledged.
    const deliveries = Array.from({ length: 20 }, (_, i) =>
      standardDelivery(
        { id: `evt_slow_probe_${i}`, type: 'payment.succeeded', created: 1, data: { id: `pay_unknown_${i}` } },
        { secret: DEV_SECRETS.WEBHOOK_PAYMENT_SERVICE_SECRETS },
      ),
    );
    const acks = await Promise.all(
      deliveries.map((d) =>
        fetch(`${appUrl}/api/v1/webhooks/payment-service`, { method: 'POST', headers: d.headers, body: d.body }),
      ),
    );
    expect(acks.map((a) => a.status)).toEqual(deliveries.map(() => 200));
    // Ordering, not a stopwatch: the acks came while those very calls were still waiting for their answer.
    expect(calls.map((c) => c.closed)).toEqual([false, false]);
    const ids = await Promise.all(
      acks.map(async (a) => ((await a.json()) as Envelope<{ eventId: string }>).data.eventId),
    );
    expect(new Set(ids).size).toBe(20);
    // They are processed too (the settlement handler), with the email calls still pending.
    await waitFor(
      async () => {
        const res = await s.t.http
          .get('/api/v1/webhook-events?source=payment-service&status=processed&limit=100')
          .set(auth);
        const done = new Set((res.body as Envelope<{ eventId: string }[]>).data.map((e) => e.eventId));
        return ids.every((id) => done.has(id));
      },
      { what: 'the probe events processed while the email calls hang', timeoutMs: 15000 },
    );
    expect(calls.map((c) => c.closed)).toEqual([false, false]);

    email.release();
    const mails = await waitFor(
      async () => {
        const res = await s.t.http.get('/api/v1/email-messages?to=slow-email%40example.com').set(auth);
        const list = (res.body as Envelope<{ messageId: string }[]>).data;
        return list.length >= 2 ? list : undefined;
      },
      { what: 'the email recorded', timeoutMs: 10000 },
    );
    expect(mails).toHaveLength(2);
    // One key per settling event, however often each was asked for; both notifications finished.
    expect(new Set(email.held.map((h) => h.key)).size).toBe(2);
    await waitFor(
      async () => {
        const res = await s.t.http
          .get('/api/v1/webhook-events?source=internal&type=payment.notification&status=processed')
          .set(auth);
        return (res.body as Envelope<unknown[]>).data.length === 2;
      },
      { what: 'both notifications processed', timeoutMs: 10000 },
    );
  });
});
