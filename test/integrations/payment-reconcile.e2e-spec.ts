import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PaymentReconciler } from '../../src/modules/payments/index.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { waitFor } from '../support/wait.js';
import { requestsTo, sandboxEnv, startWithSandbox, type SandboxedApp } from '../support/integrations.js';

interface Payment {
  paymentId: string;
  status: string;
}

/**
 * Payments whose webhook never comes: the sandbox settles them but delivers no webhook (none is
 * configured), as when the provider gave up during an outage. Two app instances share the database.
 */
describe('payment reconciler (stale pending payments looked up at the payment service)', () => {
  let s: SandboxedApp;
  let second: TestApp;
  let dir: string;
  let auth: { authorization: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'payment-reconcile-'));
    const env = {
      // Every pending payment is stale at once; runs only when triggered.
      PAYMENT_RECONCILE_AFTER_MS: '0',
      PAYMENT_RECONCILE_INTERVAL_MS: '0',
      WEBHOOK_RETRY_BASE_MS: '20',
    };
    s = await startWithSandbox({ ...env, SQLITE_PATH: join(dir, 'app.sqlite') }, { settleDelayMs: 20 });
    const shared: Record<string, string> = s.t.config.database.url
      ? { DATABASE_URL: s.t.config.database.url }
      : { SQLITE_PATH: join(dir, 'app.sqlite') };
    second = await startTestApp({ ...sandboxEnv(s.url), ...env, ...shared });
    auth = { authorization: `Bearer ${await s.t.token()}` };
  });
  afterAll(async () => {
    try {
      await second?.close();
      await s?.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const payment = async (id: string) =>
    ((await s.t.http.get(`/api/v1/payments/${id}`).set(auth).expect(200)).body as { data: Payment }).data;
  const stale = async () =>
    ((await s.t.http.get('/status').expect(200)).body as { payments: { stalePending: number } }).payments.stalePending;

  it('settles each stale payment once across instances, through the webhook handler, and emails once', async () => {
    const user = await s.t.http
      .post('/api/v1/users')
      .set(auth)
      .send({ name: 'Late', email: 'reconcile@example.com' })
      .expect(201);
    const created: { paymentId: string; providerPaymentId: string }[] = [];
    for (const amount of [1200, 1213]) {
      const res = await s.t.http
        .post('/api/v1/payments')
        .set(auth)
        .send({ userId: user.body.data.userId, amount, currency: 'JPY' })
        .expect(201);
      created.push(res.body.data as { paymentId: string; providerPaymentId: string });
    }
    await waitFor(async () => created.every((p) => s.sandbox.payment(p.providerPaymentId)?.status !== 'pending'), {
      what: 'the payment service to settle both',
      timeoutMs: 5000,
    });
    expect(await stale()).toBe(2);
    const metrics = await s.t.http.get('/metrics').set({ authorization: `Bearer ${await s.t.token(['ops:read'])}` });
    expect(metrics.text).toMatch(/^payments_stale_pending 2$/m);

    // A clock an hour back: nothing was pending that long then.
    const early = await s.t.app.get(PaymentReconciler).reconcile(new Date(Date.now() - 3_600_000));
    expect(early.looked).toBe(0);

    const lookups = requestsTo(s.stats(), 'payment');
    const [a, b] = await Promise.all([
      s.t.app.get(PaymentReconciler).reconcile(),
      second.app.get(PaymentReconciler).reconcile(),
    ]);
    // Each payment claimed by exactly one instance and looked up once.
    expect(a.looked + b.looked).toBe(2);
    expect(a.settled + b.settled).toBe(2);
    expect(requestsTo(s.stats(), 'payment') - lookups).toBe(2);

    const [ok, failed] = await waitFor(
      async () => {
        const both = await Promise.all(created.map((p) => payment(p.paymentId)));
        return both.every((p) => p.status !== 'pending') ? both : undefined;
      },
      { what: 'both payments settled', timeoutMs: 10000 },
    );
    expect([ok.status, failed.status]).toEqual(['succeeded', 'failed']);
    expect(await stale()).toBe(0);
    const mails = await waitFor(
      async () => {
        const res = await s.t.http.get('/api/v1/email-messages?to=reconcile%40example.com').set(auth).expect(200);
        const list = (res.body as { data: { subject: string }[] }).data;
        return list.length >= 2 ? list : undefined;
      },
      { what: 'both emails', timeoutMs: 10000 },
    );
    expect(mails.map((m) => m.subject).sort()).toEqual(
      [`Payment ${ok.paymentId} completed`, `Payment ${failed.paymentId} failed`].sort(),
    );

    // Nothing left to do, on either instance; a repeat changes nothing.
    const again = await Promise.all([
      s.t.app.get(PaymentReconciler).reconcile(new Date(Date.now() + 3_600_000)),
      second.app.get(PaymentReconciler).reconcile(new Date(Date.now() + 3_600_000)),
    ]);
    expect(again.map((r) => r.looked)).toEqual([0, 0]);
    const res = await s.t.http.get('/api/v1/email-messages?to=reconcile%40example.com').set(auth).expect(200);
    expect((res.body as { data: unknown[] }).data).toHaveLength(2);
  });
});
