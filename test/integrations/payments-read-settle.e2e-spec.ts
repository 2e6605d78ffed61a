import { DataSource } from 'typeorm';
import { PaymentsService } from '../../src/modules/payments/index.js';
import { bearer, createUser, envelope, expectProblem, list } from '../helpers/http.js';
import { startWithSandbox } from '../support/integrations.js';
import { paymentsSuite, type PaymentBody } from '../support/payments-suite.js';

describe('payments: reads, single-flight token, settlement (§4 payments, §5 payment service)', () => {
  const p = paymentsSuite();

  describe('GET /api/v1/payments', () => {
    it('filters by userId and status, pages with the true total, projects fields', async () => {
      const other = await createUser(p.s.t, p.token, 'Other', 'other@example.com');
      for (const amount of [10, 20, 30]) {
        expect((await p.pay({ userId: other.userId, amount, currency: 'USD' })).status).toBe(201);
      }
      const res = await p.s.t.http
        .get(`/api/v1/payments?userId=${other.userId}&status=pending&limit=2&sort=-amount&fields=amount,currency`)
        .set('authorization', bearer(await p.s.t.token(['payments:read'])))
        .expect(200);
      const page = list<{ amount: number; currency: string }>(res);
      expect(page.total).toBe(3);
      expect(page.data).toEqual([
        { amount: 30, currency: 'USD' },
        { amount: 20, currency: 'USD' },
      ]);
      expect(page.metadata.links.next).toContain('offset=2');
      const none = await p.s.t.http
        .get(`/api/v1/payments?userId=${other.userId}&status=succeeded`)
        .set('authorization', bearer(p.token))
        .expect(200);
      expect(list(none).total).toBe(0);
    });

    it('400 for an unknown status; 404 for an unknown payment id', async () => {
      expectProblem(
        await p.s.t.http.get('/api/v1/payments?status=paid').set('authorization', bearer(p.token)),
        400,
        'validation-error',
      );
      expectProblem(
        await p.s.t.http.get('/api/v1/payments/01JNOSUCHPAYMENT0000000000').set('authorization', bearer(p.token)),
        404,
      );
    });
  });

  describe('100 concurrent payments with no token yet', () => {
    it('share one token request (single flight) and all succeed', async () => {
      const cold = await startWithSandbox();
      try {
        const t = await cold.t.token();
        const payer = await createUser(cold.t, t, 'Cold', 'cold@example.com');
        const results = await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            cold.t.http
              .post('/api/v1/payments')
              .set('authorization', bearer(t))
              .send({ userId: payer.userId, amount: 100 + i, currency: 'JPY' }),
          ),
        );
        expect(results.map((r) => r.status)).toEqual(Array.from({ length: 100 }, () => 201));
        expect(new Set(results.map((r) => envelope<PaymentBody>(r).data.paymentId)).size).toBe(100);
        const stats = cold.stats();
        expect(stats.token.requests).toBe(1);
        expect(stats.token.issued).toBe(1);
        expect(stats.payments.created).toBe(100);
      } finally {
        await cold.close();
      }
    });
  });

  describe('PaymentsService.settleFromWebhook (inside the caller transaction)', () => {
    const T1 = new Date('2024-12-17T10:30:00.000Z');
    const T2 = new Date('2024-12-17T10:30:05.000Z');
    const T3 = new Date('2024-12-17T10:31:00.000Z');

    const settle = (event: Parameters<PaymentsService['settleFromWebhook']>[1]) =>
      p.s.t.app
        .get(DataSource)
        .transaction((manager) => p.s.t.app.get(PaymentsService).settleFromWebhook(manager, event));

    const fetch = async (id: string) =>
      envelope<PaymentBody>(
        await p.s.t.http.get(`/api/v1/payments/${id}`).set('authorization', bearer(p.token)).expect(200),
      ).data;

    it('a newer event settles the payment; an older or repeated one changes nothing', async () => {
      const payment = envelope<PaymentBody>(await p.pay({ userId: p.user.userId, amount: 900, currency: 'JPY' })).data;
      const id = payment.providerPaymentId;

      const succeeded = await settle({ providerPaymentId: id, status: 'succeeded', occurredAt: T2, eventId: 'evt_2' });
      expect(succeeded.changed).toBe(true);
      expect(succeeded.payment).toMatchObject({
        paymentId: payment.paymentId,
        userId: p.user.userId,
        status: 'succeeded',
        settledAt: T2.toISOString(),
        lastEventAt: T2.toISOString(),
      });

      const older = await settle({ providerPaymentId: id, status: 'failed', occurredAt: T1, eventId: 'evt_1' });
      expect(older.changed).toBe(false);
      expect(older.payment?.status).toBe('succeeded');

      const repeated = await settle({ providerPaymentId: id, status: 'succeeded', occurredAt: T2, eventId: 'evt_2' });
      expect(repeated.changed).toBe(false);

      const stored = await fetch(payment.paymentId);
      expect(stored).toMatchObject({ status: 'succeeded', settledAt: T2.toISOString(), lastEventAt: T2.toISOString() });
      expect(Date.parse(stored.updatedAt)).toBeGreaterThan(Date.parse(payment.updatedAt));
    });

    it('the newest event wins whatever order they arrive in', async () => {
      const payment = envelope<PaymentBody>(await p.pay({ userId: p.user.userId, amount: 901, currency: 'JPY' })).data;
      const id = payment.providerPaymentId;
      expect(
        (await settle({ providerPaymentId: id, status: 'failed', occurredAt: T3, eventId: 'evt_b' })).changed,
      ).toBe(true);
      const late = await settle({ providerPaymentId: id, status: 'succeeded', occurredAt: T1, eventId: 'evt_a' });
      expect(late.changed).toBe(false);
      expect(await fetch(payment.paymentId)).toMatchObject({ status: 'failed', lastEventAt: T3.toISOString() });
    });

    it('rolls back with the caller transaction', async () => {
      const payment = envelope<PaymentBody>(await p.pay({ userId: p.user.userId, amount: 902, currency: 'JPY' })).data;
      const service = p.s.t.app.get(PaymentsService);
      await expect(
        p.s.t.app.get(DataSource).transaction(async (manager) => {
          await service.settleFromWebhook(manager, {
            providerPaymentId: payment.providerPaymentId,
            status: 'succeeded',
            occurredAt: T1,
            eventId: 'evt_rollback',
          });
          throw new Error('the handler failed after settling');
        }),
      ).rejects.toThrow('the handler failed');
      expect((await fetch(payment.paymentId)).status).toBe('pending');
    });

    it('an unknown provider payment id: no payment, nothing changed', async () => {
      expect(
        await settle({ providerPaymentId: 'pay_unknown', status: 'succeeded', occurredAt: T1, eventId: 'evt_x' }),
      ).toEqual({ payment: null, changed: false });
    });

    it('a payment whose creation answer was lost is found by its reference and becomes visible', async () => {
      await p.s.fault('payment/a', { status: 503 });
      await p.s.fault('payment/b', { status: 503 });
      const body = { userId: p.user.userId, amount: 903, currency: 'JPY' };
      expect((await p.pay(body, 'order-lost-answer')).status).toBe(502);
      await p.s.clearFaults();
      const [row] = (await p.s.t.app
        .get(DataSource)
        .query(`SELECT id FROM payments WHERE idempotency_key = 'order-lost-answer'`)) as { id: string }[];

      const found = await settle({
        providerPaymentId: 'pay_recovered',
        status: 'succeeded',
        occurredAt: T1,
        eventId: 'evt_recovered',
        reference: row.id,
      });
      expect(found).toMatchObject({
        changed: true,
        payment: { paymentId: row.id, providerPaymentId: 'pay_recovered', status: 'succeeded' },
      });
      // The client's retry with its key now gets that payment, and the service is not asked again.
      const before = p.s.stats().payments.created;
      const replay = await p.pay(body, 'order-lost-answer');
      expect(replay.status).toBe(200);
      expect(envelope<PaymentBody>(replay).data).toMatchObject({ paymentId: row.id, status: 'succeeded' });
      expect(p.s.stats().payments.created).toBe(before);
    });
  });
});
