import { jest } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { DEV_SECRETS } from '../../config/env.schema.js';
import { accessToken, call, CREDENTIALS, startReceiver } from '../../../test/support/sandbox-http.js';
import { waitFor } from '../../../test/support/wait.js';
import { createSandboxServer, type SandboxServer } from './sandbox.server.js';
import type { DeliveryRecord } from './webhook-dispatcher.js';

const SECRET = DEV_SECRETS.WEBHOOK_PAYMENT_SERVICE_SECRETS;
const HOOK_PATH = '/api/v1/webhooks/payment-service';

interface Event {
  id: string;
  type: string;
  created: number;
  data: { id: string; status: string; amount: number; currency: string; reference: string };
}

describe('sandbox payment webhooks', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()?.();
  });

  async function sandboxWith(url: string, extra: { maxAttempts?: number; retryBaseMs?: number } = {}) {
    const sandbox = createSandboxServer({
      credentials: CREDENTIALS,
      settleDelayMs: 10,
      webhook: { url, secret: SECRET, retryBaseMs: 20, maxAttempts: 4, timeoutMs: 1000, ...extra },
    });
    const base = await sandbox.listen();
    cleanups.push(() => sandbox.close());
    return { sandbox, base };
  }

  async function createPayment(base: string, body: { amount: number; currency: string; reference: string }) {
    const token = await accessToken(base);
    const res = await call(base, 'POST', '/payment/a/v1/payments', {
      headers: { authorization: `Bearer ${token}` },
      json: body,
    });
    expect(res.status).toBe(201);
    return res.body as Event['data'];
  }

  it('delivers a signed payment.succeeded event and retries after a 500 with the same webhook-id', async () => {
    const verifier = new Webhook(SECRET);
    const receiver = await startReceiver((req, index) => {
      try {
        verifier.verify(req.body, req.headers as Record<string, string>);
      } catch {
        return 401; // like the real receiver: a bad signature is never accepted
      }
      return index === 0 ? 500 : 200;
    });
    cleanups.push(receiver.close);
    const { sandbox, base } = await sandboxWith(receiver.url + HOOK_PATH);

    const payment = await createPayment(base, { amount: 1200, currency: 'JPY', reference: 'order-42' });
    await waitFor(() => sandbox.stats().webhooks.delivered === 1, { what: 'one webhook delivered' });

    expect(receiver.received.map((r) => r.answered)).toEqual([500, 200]);
    const [first, second] = receiver.received;
    for (const r of receiver.received) {
      expect(r.method).toBe('POST');
      expect(r.url).toBe(HOOK_PATH);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
      expect(() => verifier.verify(r.body, r.headers as Record<string, string>)).not.toThrow();
    }
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(second.body).toBe(first.body);

    const event = JSON.parse(first.body) as Event;
    expect(event).toEqual({
      id: first.headers['webhook-id'],
      type: 'payment.succeeded',
      created: expect.any(Number),
      data: { ...payment, status: 'succeeded' },
    });
    expect(event.id).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(sandbox.stats().webhooks).toEqual({ attempted: 2, delivered: 1, failed: 0, pending: 0 });
    const log = (await call(base, 'GET', '/_webhooks')).body as DeliveryRecord[];
    expect(log).toEqual([
      expect.objectContaining({ eventId: event.id, status: 'delivered', attempts: 2, lastStatusCode: 200 }),
    ]);
  });

  it('signs every attempt afresh: a new timestamp and signature, the same id and body', async () => {
    const realNow = Date.now.bind(Date);
    let skewMs = 0;
    const spy = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + skewMs);
    cleanups.push(async () => spy.mockRestore());
    const receiver = await startReceiver((_req, index) => {
      skewMs = 7000; // the retry happens "7 s later"
      return index === 0 ? 500 : 200;
    });
    cleanups.push(receiver.close);
    const { sandbox, base } = await sandboxWith(receiver.url + HOOK_PATH);
    await createPayment(base, { amount: 1200, currency: 'JPY', reference: 'r' });
    await waitFor(() => sandbox.stats().webhooks.delivered === 1, { what: 'one webhook delivered' });
    const [first, second] = receiver.received;
    expect(
      Number(second.headers['webhook-timestamp']) - Number(first.headers['webhook-timestamp']),
    ).toBeGreaterThanOrEqual(6);
    expect(second.headers['webhook-signature']).not.toBe(first.headers['webhook-signature']);
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(second.body).toBe(first.body);
    const verifier = new Webhook(SECRET);
    expect(() => verifier.verify(second.body, second.headers as Record<string, string>)).not.toThrow();
  });

  it('sends payment.failed for a failing payment', async () => {
    const receiver = await startReceiver(() => 204);
    cleanups.push(receiver.close);
    const { sandbox, base } = await sandboxWith(receiver.url + HOOK_PATH);
    const payment = await createPayment(base, { amount: 1013, currency: 'JPY', reference: 'r' });
    await waitFor(() => sandbox.stats().webhooks.delivered === 1, { what: 'one webhook delivered' });
    const event = new Webhook(SECRET).verify(
      receiver.received[0].body,
      receiver.received[0].headers as Record<string, string>,
    ) as Event;
    expect(event.type).toBe('payment.failed');
    expect(event.data).toMatchObject({ id: payment.id, status: 'failed' });
  });

  it('gives up after maxAttempts, retrying non-2xx answers with exponential backoff', async () => {
    const receiver = await startReceiver(() => 503);
    cleanups.push(receiver.close);
    const { sandbox } = await sandboxWith(receiver.url + HOOK_PATH, { maxAttempts: 3, retryBaseMs: 40 });
    const base = sandbox.url ?? '';
    await createPayment(base, { amount: 500, currency: 'USD', reference: 'r' });
    const started = Date.now();
    await waitFor(() => sandbox.stats().webhooks.failed === 1, { what: 'one webhook delivery failed' });
    // waits of 40 ms then 80 ms between the three attempts
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(sandbox.stats().webhooks).toEqual({ attempted: 3, delivered: 0, failed: 1, pending: 0 });
  });

  it('retries connection errors too', async () => {
    const gone = await startReceiver(() => 200);
    await gone.close(); // nothing listens on this port any more
    const { sandbox, base } = await sandboxWith(`${gone.url}${HOOK_PATH}`, { maxAttempts: 2, retryBaseMs: 5 });
    await createPayment(base, { amount: 500, currency: 'USD', reference: 'r' });
    await waitFor(() => sandbox.stats().webhooks.failed === 1, { what: 'one webhook delivery failed' });
    const [record] = (await call(base, 'GET', '/_webhooks')).body as DeliveryRecord[];
    expect(record).toMatchObject({ status: 'failed', attempts: 2, lastStatusCode: null });
    expect(record.lastError).toMatch(/ECONNREFUSED/);
  });

  it('stops retrying when the sandbox closes', async () => {
    const receiver = await startReceiver(() => 500);
    cleanups.push(receiver.close);
    const sandbox: SandboxServer = createSandboxServer({
      credentials: CREDENTIALS,
      settleDelayMs: 0,
      webhook: { url: receiver.url + HOOK_PATH, secret: SECRET, retryBaseMs: 60_000, maxAttempts: 5 },
    });
    const base = await sandbox.listen();
    await createPayment(base, { amount: 1, currency: 'JPY', reference: 'r' });
    await waitFor(() => receiver.received.length === 1, { what: 'the receiver to get one webhook' });
    await sandbox.close(); // the 60 s retry timer is cleared; Jest would otherwise report it
    expect(sandbox.stats().webhooks).toMatchObject({ attempted: 1, pending: 1 });
  });
});
