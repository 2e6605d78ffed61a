import { DataSource } from 'typeorm';
import { PaymentsService } from '../../src/modules/payments/index.js';
import { bearer, createUser, envelope, expectProblem, ISO_UTC, list, type UserBody } from '../helpers/http.js';
import { startWithSandbox, type SandboxedApp } from '../support/integrations.js';

interface PaymentBody {
  paymentId: string;
  userId: string;
  amount: number;
  currency: string;
  status: 'pending' | 'succeeded' | 'failed';
  providerPaymentId: string;
  idempotencyKey: string | null;
  createdAt: string;
  updatedAt: string;
  settledAt: string | null;
  lastEventAt: string | null;
}

describe('payments (§4 payments, §5 payment service over OAuth 2.0)', () => {
  let s: SandboxedApp;
  let token: string;
  let user: UserBody;

  beforeAll(async () => {
    // Some tests fail every upstream call on purpose; breakers (tested elsewhere) stay out of the way.
    s = await startWithSandbox({ CIRCUIT_MIN_CALLS: '100000' });
    token = await s.t.token();
    user = await createUser(s.t, token, '山田太郎', 'yamada@example.com');
  });
  afterAll(async () => {
    await s.close();
  });
  afterEach(async () => {
    await s.clearFaults();
  });

  const pay = (body: object, key?: string, auth = token) => {
    const req = s.t.http.post('/api/v1/payments').set('authorization', bearer(auth));
    if (key !== undefined) req.set('idempotency-key', key);
    return req.send(body);
  };

  describe('POST /api/v1/payments', () => {
    it('201 with Location: the payment service created it (our id as its reference), stored as pending', async () => {
      const before = s.stats().payments.created;
      const res = await pay({ userId: user.userId, amount: 1200, currency: 'JPY' });
      expect(res.status).toBe(201);
      const payment = envelope<PaymentBody>(res).data;
      expect(res.headers.location).toBe(`/api/v1/payments/${payment.paymentId}`);
      expect(payment).toMatchObject({
        userId: user.userId,
        amount: 1200,
        currency: 'JPY',
        status: 'pending',
        idempotencyKey: null,
        settledAt: null,
        lastEventAt: null,
      });
      expect(payment.paymentId).toMatch(/^[0-9A-Z]{26}$/);
      expect(payment.createdAt).toMatch(ISO_UTC);
      expect(payment.providerPaymentId).toMatch(/^pay_/);
      expect(s.sandbox.payment(payment.providerPaymentId)).toMatchObject({
        amount: 1200,
        currency: 'JPY',
        reference: payment.paymentId,
        status: 'pending',
      });
      expect(s.stats().payments.created).toBe(before + 1);

      const got = await s.t.http.get(res.headers.location).set('authorization', bearer(token)).expect(200);
      expect(envelope<PaymentBody>(got).data).toEqual(payment);
    });

    it('the same Idempotency-Key and body again: 200 with the same payment, and no second upstream payment', async () => {
      const body = { userId: user.userId, amount: 3000, currency: 'JPY' };
      const before = s.stats().payments;
      const first = await pay(body, 'order-1001');
      expect(first.status).toBe(201);
      const again = await pay(body, 'order-1001');
      expect(again.status).toBe(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      const payment = envelope<PaymentBody>(first).data;
      expect(again.headers['content-location']).toBe(`/api/v1/payments/${payment.paymentId}`);
      expect(envelope<PaymentBody>(again).data).toEqual(payment);
      expect(payment.idempotencyKey).toBe('order-1001');
      const after = s.stats().payments;
      expect(after.created).toBe(before.created + 1);
      expect(after.replayed).toBe(before.replayed);
    });

    it('the same Idempotency-Key with another body: 422 idempotency-key-reused, nothing created', async () => {
      expect((await pay({ userId: user.userId, amount: 500, currency: 'JPY' }, 'order-1002')).status).toBe(201);
      const before = s.stats().payments.created;
      const reused = await pay({ userId: user.userId, amount: 501, currency: 'JPY' }, 'order-1002');
      expectProblem(reused, 422, 'idempotency-key-reused', '/api/v1/payments');
      expect(s.stats().payments.created).toBe(before);
    });

    it('concurrent requests with one Idempotency-Key: one upstream call, one 201, the others 200 with the same payment', async () => {
      const before = s.stats();
      const body = { userId: user.userId, amount: 7777, currency: 'JPY' };
      const results = await Promise.all(Array.from({ length: 10 }, () => pay(body, 'order-concurrent')));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
      const ids = new Set(results.map((r) => envelope<PaymentBody>(r).data.paymentId));
      expect(ids.size).toBe(1);
      const after = s.stats();
      expect(after.payments.created).toBe(before.payments.created + 1);
      expect(after.payments.replayed).toBe(before.payments.replayed);
    });

    it('an answer lost after the service created the payment: the retry carries the same key, so one payment', async () => {
      // Each instance processes the call but its answer is replaced by a 503, once.
      await s.fault('payment/a', { status: 503, count: 1, when: 'after' });
      await s.fault('payment/b', { status: 503, count: 1, when: 'after' });
      const before = s.stats().payments;
      const res = await pay({ userId: user.userId, amount: 4200, currency: 'JPY' });
      expect(res.status).toBe(201);
      const after = s.stats().payments;
      expect(after.created).toBe(before.created + 1);
      expect(after.replayed).toBe(before.replayed + 2);
      const payment = envelope<PaymentBody>(res).data;
      expect(s.sandbox.payment(payment.providerPaymentId)?.reference).toBe(payment.paymentId);
    });

    it('a failed upstream call is not a payment; repeating the request with its key then creates it once', async () => {
      await s.fault('payment/a', { status: 503 });
      await s.fault('payment/b', { status: 503 });
      const body = { userId: user.userId, amount: 1313, currency: 'JPY' };
      const failed = await pay(body, 'order-retry-later');
      const problem = expectProblem(failed, 502, 'upstream-error', '/api/v1/payments') as unknown as {
        integration: string;
      };
      expect(problem.integration).toBe('payment');
      const all = list<PaymentBody>(
        await s.t.http.get('/api/v1/payments?limit=100').set('authorization', bearer(token)).expect(200),
      );
      expect(all.data.some((p) => p.idempotencyKey === 'order-retry-later')).toBe(false);

      await s.clearFaults();
      const before = s.stats().payments.created;
      const retried = await pay(body, 'order-retry-later');
      expect(retried.status).toBe(201);
      expect(envelope<PaymentBody>(retried).data.idempotencyKey).toBe('order-retry-later');
      expect(s.stats().payments.created).toBe(before + 1);
      expect((await pay(body, 'order-retry-later')).status).toBe(200);
    });

    it('422 unknown-reference for a user that does not exist; the payment service is not called', async () => {
      const before = s.stats().payments.created;
      const res = await pay({ userId: '01JNOSUCHUSER0000000000000', amount: 100, currency: 'JPY' });
      const problem = expectProblem(res, 422, 'unknown-reference', '/api/v1/payments');
      expect(problem.errors?.[0]?.field).toBe('userId');
      expect(s.stats().payments.created).toBe(before);
    });

    it.each([
      ['amount 0', { amount: 0, currency: 'JPY' }, 'amount'],
      ['a fractional amount', { amount: 12.5, currency: 'JPY' }, 'amount'],
      ['an amount as a string', { amount: '1200', currency: 'JPY' }, 'amount'],
      ['a lower-case currency', { amount: 1200, currency: 'jpy' }, 'currency'],
      ['a 4-letter currency', { amount: 1200, currency: 'JPYY' }, 'currency'],
      ['an unknown property', { amount: 1200, currency: 'JPY', note: 'x' }, 'note'],
    ])('400 for %s', async (_what, body, field) => {
      const res = await pay({ userId: user.userId, ...body });
      const problem = expectProblem(res, 400, 'validation-error');
      expect(problem.errors?.map((e) => e.field)).toContain(field);
    });

    it.each([
      ['a space', 'order 1'],
      ['256 characters', 'k'.repeat(256)],
    ])('400 for an Idempotency-Key with %s', async (_what, key) => {
      const res = await pay({ userId: user.userId, amount: 100, currency: 'JPY' }, key);
      expectProblem(res, 400, 'validation-error');
    });

    it('403 without payments:write', async () => {
      const readOnly = await s.t.token(['payments:read']);
      expectProblem(await pay({ userId: user.userId, amount: 100, currency: 'JPY' }, undefined, readOnly), 403);
    });
  });

  describe('GET /api/v1/payments', () => {
    it('filters by userId and status, pages with the true total, projects fields', async () => {
      const other = await createUser(s.t, token, 'Other', 'other@example.com');
      for (const amount of [10, 20, 30]) {
        expect((await pay({ userId: other.userId, amount, currency: 'USD' })).status).toBe(201);
      }
      const res = await s.t.http
        .get(`/api/v1/payments?userId=${other.userId}&status=pending&limit=2&sort=-amount&fields=amount,currency`)
        .set('authorization', bearer(await s.t.token(['payments:read'])))
        .expect(200);
      const page = list<{ amount: number; currency: string }>(res);
      expect(page.total).toBe(3);
      expect(page.data).toEqual([
        { amount: 30, currency: 'USD' },
        { amount: 20, currency: 'USD' },
      ]);
      expect(page.metadata.links.next).toContain('offset=2');
      const none = await s.t.http
        .get(`/api/v1/payments?userId=${other.userId}&status=succeeded`)
        .set('authorization', bearer(token))
        .expect(200);
      expect(list(none).total).toBe(0);
    });

    it('400 for an unknown status; 404 for an unknown payment id', async () => {
      expectProblem(
        await s.t.http.get('/api/v1/payments?status=paid').set('authorization', bearer(token)),
        400,
        'validation-error',
      );
      expectProblem(
        await s.t.http.get('/api/v1/payments/01JNOSUCHPAYMENT0000000000').set('authorization', bearer(token)),
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
      s.t.app.get(DataSource).transaction((manager) => s.t.app.get(PaymentsService).settleFromWebhook(manager, event));

    const fetch = async (id: string) =>
      envelope<PaymentBody>(
        await s.t.http.get(`/api/v1/payments/${id}`).set('authorization', bearer(token)).expect(200),
      ).data;

    it('a newer event settles the payment; an older or repeated one changes nothing', async () => {
      const payment = envelope<PaymentBody>(await pay({ userId: user.userId, amount: 900, currency: 'JPY' })).data;
      const id = payment.providerPaymentId;

      const succeeded = await settle({ providerPaymentId: id, status: 'succeeded', occurredAt: T2, eventId: 'evt_2' });
      expect(succeeded.changed).toBe(true);
      expect(succeeded.payment).toMatchObject({
        paymentId: payment.paymentId,
        userId: user.userId,
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
      const payment = envelope<PaymentBody>(await pay({ userId: user.userId, amount: 901, currency: 'JPY' })).data;
      const id = payment.providerPaymentId;
      expect(
        (await settle({ providerPaymentId: id, status: 'failed', occurredAt: T3, eventId: 'evt_b' })).changed,
      ).toBe(true);
      const late = await settle({ providerPaymentId: id, status: 'succeeded', occurredAt: T1, eventId: 'evt_a' });
      expect(late.changed).toBe(false);
      expect(await fetch(payment.paymentId)).toMatchObject({ status: 'failed', lastEventAt: T3.toISOString() });
    });

    it('rolls back with the caller transaction', async () => {
      const payment = envelope<PaymentBody>(await pay({ userId: user.userId, amount: 902, currency: 'JPY' })).data;
      const service = s.t.app.get(PaymentsService);
      await expect(
        s.t.app.get(DataSource).transaction(async (manager) => {
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
      await s.fault('payment/a', { status: 503 });
      await s.fault('payment/b', { status: 503 });
      const body = { userId: user.userId, amount: 903, currency: 'JPY' };
      expect((await pay(body, 'order-lost-answer')).status).toBe(502);
      await s.clearFaults();
      const [row] = (await s.t.app
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
      const before = s.stats().payments.created;
      const replay = await pay(body, 'order-lost-answer');
      expect(replay.status).toBe(200);
      expect(envelope<PaymentBody>(replay).data).toMatchObject({ paymentId: row.id, status: 'succeeded' });
      expect(s.stats().payments.created).toBe(before);
    });
  });
});
