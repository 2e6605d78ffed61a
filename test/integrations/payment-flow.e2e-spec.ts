import { DEV_SECRETS } from '../../src/config/env.schema.js';
import { startWithSandbox, type SandboxedApp } from '../support/integrations.js';
import { waitFor } from '../support/wait.js';

interface Envelope<T> {
  data: T;
  total?: number;
}
interface Payment {
  paymentId: string;
  status: string;
  userId: string;
}
interface WebhookEventView {
  eventId: string;
  type: string;
  status: string;
  attempts: number;
  processedAt: string | null;
}
interface EmailView {
  messageId: string;
  to: string;
  subject: string;
}

/** The contract's whole payment flow: API → payment service → signed webhook → worker → email. */
describe('payment settled by its webhook, user emailed once (sandbox end to end)', () => {
  let s: SandboxedApp;
  let auth: { authorization: string };
  let appUrl = '';

  beforeAll(async () => {
    s = await startWithSandbox(
      // Breakers (tested elsewhere) stay out of the way of the email-outage case.
      { WEBHOOK_RETRY_BASE_MS: '20', WEBHOOK_SWEEP_INTERVAL_MS: '200', CIRCUIT_MIN_CALLS: '100000' },
      {
        settleDelayMs: 50,
        webhook: {
          url: () => `${appUrl}/api/v1/webhooks/payment-service`,
          secret: DEV_SECRETS.WEBHOOK_PAYMENT_SERVICE_SECRETS,
          retryBaseMs: 50,
        },
      },
    );
    await s.t.app.listen(0, '127.0.0.1');
    appUrl = (await s.t.app.getUrl()).replace('[::1]', '127.0.0.1');
    auth = { authorization: `Bearer ${await s.t.token()}` };
  });
  afterAll(async () => {
    await s.close();
  });

  const get = async <T>(path: string): Promise<Envelope<T>> => {
    const res = await s.t.http.get(path).set(auth);
    expect(res.status).toBe(200);
    return res.body as Envelope<T>;
  };

  async function pay(amount: number, email: string): Promise<{ payment: Payment; email: string }> {
    const user = await s.t.http.post('/api/v1/users').set(auth).send({ name: 'Payer', email }).expect(201);
    const created = await s.t.http
      .post('/api/v1/payments')
      .set(auth)
      .send({ userId: user.body.data.userId, amount, currency: 'JPY' })
      .expect(201);
    expect(created.body.data.status).toBe('pending');
    return { payment: created.body.data as Payment, email };
  }

  const emailsTo = async (to: string) =>
    (await get<EmailView[]>('/api/v1/email-messages?limit=100')).data.filter((m) => m.to === to);

  it('settles a payment as succeeded through the signed webhook and emails the user once', async () => {
    const { payment, email } = await pay(1200, 'flow-ok@example.com');
    const settled = await waitFor(
      async () => {
        const p = (await get<Payment>(`/api/v1/payments/${payment.paymentId}`)).data;
        return p.status === 'pending' ? undefined : p;
      },
      { what: 'payment succeeded' },
    );
    expect(settled.status).toBe('succeeded');
    const event = await waitFor(
      async () => {
        const events = (
          await get<WebhookEventView[]>('/api/v1/webhook-events?source=payment-service&type=payment.succeeded')
        ).data;
        return events.find((e) => e.status === 'processed');
      },
      { what: 'event processed' },
    );
    expect(event.attempts).toBe(1);
    const mails = await waitFor(
      async () => {
        const m = await emailsTo(email);
        return m.length > 0 ? m : undefined;
      },
      { what: 'email recorded' },
    );
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toContain(payment.paymentId);
    // The email service saw the webhook event's id as the request id: the notification is traceable.
    const sent = (await (await fetch(`${s.url}/_outbox`)).json()) as Array<{ to: string; requestId: string | null }>;
    expect(sent.filter((m) => m.to === email).map((m) => m.requestId)).toEqual([event.eventId]);

    // A replay runs the handler again: the payment stays settled and no second email goes out.
    const emailCalls = s.stats().services.email.a.requests + s.stats().services.email.b.requests;
    await s.t.http
      .post(`/api/v1/webhook-events/${event.eventId}/replay`)
      .set(auth)
      .expect((r) => expect([200, 202]).toContain(r.status));
    await waitFor(
      async () => {
        const e = (await get<WebhookEventView>(`/api/v1/webhook-events/${event.eventId}`)).data;
        return e.status === 'processed' && e.processedAt !== event.processedAt ? e : undefined;
      },
      { what: 'replay processed' },
    );
    expect(await emailsTo(email)).toHaveLength(1);
    expect(s.stats().services.email.a.requests + s.stats().services.email.b.requests).toBe(emailCalls);
    expect((await get<Payment>(`/api/v1/payments/${payment.paymentId}`)).data.status).toBe('succeeded');
  });

  it('settles a payment as failed (amount ending in 13) and says so by email', async () => {
    const { payment, email } = await pay(1213, 'flow-failed@example.com');
    const settled = await waitFor(
      async () => {
        const p = (await get<Payment>(`/api/v1/payments/${payment.paymentId}`)).data;
        return p.status === 'pending' ? undefined : p;
      },
      { what: 'payment settled' },
    );
    expect(settled.status).toBe('failed');
    const mails = await waitFor(
      async () => {
        const m = await emailsTo(email);
        return m.length > 0 ? m : undefined;
      },
      { what: 'email recorded' },
    );
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toMatch(/failed/);
  });

  it('settles the payment while the email service is down; the email is a follow-up event sent once it is back', async () => {
    await s.fault('email/a', { status: 503 });
    await s.fault('email/b', { status: 503 });
    let notification: WebhookEventView;
    let email: string;
    try {
      const paid = await pay(1500, 'flow-email-down@example.com');
      email = paid.email;
      const settled = await waitFor(
        async () => {
          const p = (await get<Payment>(`/api/v1/payments/${paid.payment.paymentId}`)).data;
          return p.status === 'pending' ? undefined : p;
        },
        { what: 'payment settled' },
      );
      // The outage does not hold the settlement back (it did when the email shared its transaction).
      expect(settled.status).toBe('succeeded');
      notification = await waitFor(
        async () => {
          const events = (
            await get<WebhookEventView[]>('/api/v1/webhook-events?source=internal&type=payment.notification&limit=100')
          ).data;
          return events.find((e) => e.status === 'dead');
        },
        { what: 'notification dead' },
      );
      expect(await emailsTo(email)).toHaveLength(0);
    } finally {
      await s.clearFaults();
    }
    await s.t.http.post(`/api/v1/webhook-events/${notification.eventId}/replay`).set(auth).expect(202);
    await waitFor(
      async () => {
        const e = (await get<WebhookEventView>(`/api/v1/webhook-events/${notification.eventId}`)).data;
        return e.status === 'processed' ? e : undefined;
      },
      { what: 'notification processed' },
    );
    const mails = await emailsTo(email);
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toMatch(/completed/);
  });
});
