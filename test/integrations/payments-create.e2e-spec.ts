import { bearer, envelope, expectProblem, ISO_UTC, list } from '../helpers/http.js';
import { paymentsSuite, type PaymentBody } from '../support/payments-suite.js';

describe('payments: create (§4 payments, §5 payment service over OAuth 2.0)', () => {
  const p = paymentsSuite();

  describe('POST /api/v1/payments', () => {
    it('201 with Location: the payment service created it (our id as its reference), stored as pending', async () => {
      const before = p.s.stats().payments.created;
      const res = await p.pay({ userId: p.user.userId, amount: 1200, currency: 'JPY' });
      expect(res.status).toBe(201);
      const payment = envelope<PaymentBody>(res).data;
      expect(res.headers.location).toBe(`/api/v1/payments/${payment.paymentId}`);
      expect(payment).toMatchObject({
        userId: p.user.userId,
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
      expect(p.s.sandbox.payment(payment.providerPaymentId)).toMatchObject({
        amount: 1200,
        currency: 'JPY',
        reference: payment.paymentId,
        status: 'pending',
      });
      expect(p.s.stats().payments.created).toBe(before + 1);

      const got = await p.s.t.http.get(res.headers.location).set('authorization', bearer(p.token)).expect(200);
      expect(envelope<PaymentBody>(got).data).toEqual(payment);
    });

    it('the same Idempotency-Key and body again: 200 with the same payment, and no second upstream payment', async () => {
      const body = { userId: p.user.userId, amount: 3000, currency: 'JPY' };
      const before = p.s.stats().payments;
      const first = await p.pay(body, 'order-1001');
      expect(first.status).toBe(201);
      const again = await p.pay(body, 'order-1001');
      expect(again.status).toBe(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      const payment = envelope<PaymentBody>(first).data;
      expect(again.headers['content-location']).toBe(`/api/v1/payments/${payment.paymentId}`);
      expect(envelope<PaymentBody>(again).data).toEqual(payment);
      expect(payment.idempotencyKey).toBe('order-1001');
      const after = p.s.stats().payments;
      expect(after.created).toBe(before.created + 1);
      expect(after.replayed).toBe(before.replayed);
    });

    it('the same Idempotency-Key with another body: 422 idempotency-key-reused, nothing created', async () => {
      expect((await p.pay({ userId: p.user.userId, amount: 500, currency: 'JPY' }, 'order-1002')).status).toBe(201);
      const before = p.s.stats().payments.created;
      const reused = await p.pay({ userId: p.user.userId, amount: 501, currency: 'JPY' }, 'order-1002');
      expectProblem(reused, 422, 'idempotency-key-reused', '/api/v1/payments');
      expect(p.s.stats().payments.created).toBe(before);
    });

    it('concurrent requests with one Idempotency-Key: one upstream call, one 201, the others 200 with the same payment', async () => {
      const before = p.s.stats();
      const body = { userId: p.user.userId, amount: 7777, currency: 'JPY' };
      const results = await Promise.all(Array.from({ length: 10 }, () => p.pay(body, 'order-concurrent')));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
      const ids = new Set(results.map((r) => envelope<PaymentBody>(r).data.paymentId));
      expect(ids.size).toBe(1);
      const after = p.s.stats();
      expect(after.payments.created).toBe(before.payments.created + 1);
      expect(after.payments.replayed).toBe(before.payments.replayed);
    });

    it('an answer lost after the service created the payment: the retry carries the same key, so one payment', async () => {
      // Each instance processes the call but its answer is replaced by a 503, once.
      await p.s.fault('payment/a', { status: 503, count: 1, when: 'after' });
      await p.s.fault('payment/b', { status: 503, count: 1, when: 'after' });
      const before = p.s.stats().payments;
      const res = await p.pay({ userId: p.user.userId, amount: 4200, currency: 'JPY' });
      expect(res.status).toBe(201);
      const after = p.s.stats().payments;
      expect(after.created).toBe(before.created + 1);
      expect(after.replayed).toBe(before.replayed + 2);
      const payment = envelope<PaymentBody>(res).data;
      expect(p.s.sandbox.payment(payment.providerPaymentId)?.reference).toBe(payment.paymentId);
    });

    it('a failed upstream call is not a payment; repeating the request with its key then creates it once', async () => {
      await p.s.fault('payment/a', { status: 503 });
      await p.s.fault('payment/b', { status: 503 });
      const body = { userId: p.user.userId, amount: 1313, currency: 'JPY' };
      const failed = await p.pay(body, 'order-retry-later');
      const problem = expectProblem(failed, 502, 'upstream-error', '/api/v1/payments') as unknown as {
        integration: string;
      };
      expect(problem.integration).toBe('payment');
      const all = list<PaymentBody>(
        await p.s.t.http.get('/api/v1/payments?limit=100').set('authorization', bearer(p.token)).expect(200),
      );
      expect(all.data.some((p) => p.idempotencyKey === 'order-retry-later')).toBe(false);

      await p.s.clearFaults();
      const before = p.s.stats().payments.created;
      const retried = await p.pay(body, 'order-retry-later');
      expect(retried.status).toBe(201);
      expect(envelope<PaymentBody>(retried).data.idempotencyKey).toBe('order-retry-later');
      expect(p.s.stats().payments.created).toBe(before + 1);
      expect((await p.pay(body, 'order-retry-later')).status).toBe(200);
    });

    it('422 unknown-reference for a user that does not exist; the payment service is not called', async () => {
      const before = p.s.stats().payments.created;
      const res = await p.pay({ userId: '01JNOSUCHUSER0000000000000', amount: 100, currency: 'JPY' });
      const problem = expectProblem(res, 422, 'unknown-reference', '/api/v1/payments');
      expect(problem.errors?.[0]?.field).toBe('userId');
      expect(p.s.stats().payments.created).toBe(before);
    });

    it.each([
      ['amount 0', { amount: 0, currency: 'JPY' }, 'amount'],
      ['a fractional amount', { amount: 12.5, currency: 'JPY' }, 'amount'],
      ['an amount as a string', { amount: '1200', currency: 'JPY' }, 'amount'],
      ['a lower-case currency', { amount: 1200, currency: 'jpy' }, 'currency'],
      ['a 4-letter currency', { amount: 1200, currency: 'JPYY' }, 'currency'],
      ['an unknown property', { amount: 1200, currency: 'JPY', note: 'x' }, 'note'],
    ])('400 for %s', async (_what, body, field) => {
      const res = await p.pay({ userId: p.user.userId, ...body });
      const problem = expectProblem(res, 400, 'validation-error');
      expect(problem.errors?.map((e) => e.field)).toContain(field);
    });

    it.each([
      ['a space', 'order 1'],
      ['256 characters', 'k'.repeat(256)],
    ])('400 for an Idempotency-Key with %s', async (_what, key) => {
      const res = await p.pay({ userId: p.user.userId, amount: 100, currency: 'JPY' }, key);
      expectProblem(res, 400, 'validation-error');
    });

    it('403 without payments:write', async () => {
      const readOnly = await p.s.t.token(['payments:read']);
      expectProblem(await p.pay({ userId: p.user.userId, amount: 100, currency: 'JPY' }, undefined, readOnly), 403);
    });
  });
});
