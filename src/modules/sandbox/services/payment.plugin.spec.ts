import { accessToken, call } from '../../../../test/support/sandbox-http.js';
import { waitFor } from '../../../../test/support/wait.js';
import { useSandbox, ULID, type Payment } from '../../../../test/support/sandbox-fixture.js';
import { settlementOf } from '../sandbox.server.js';

const s = useSandbox();

describe('payment service', () => {
  it('creates a pending payment (201) and reads it back from either instance', async () => {
    const token = await accessToken(s.base);
    const res = await s.pay(token, { amount: 1200, currency: 'JPY', reference: 'order-1' });
    expect(res.status).toBe(201);
    const payment = res.body as Payment;
    expect(payment).toEqual({
      id: expect.stringMatching(new RegExp(`^pay_${ULID}$`)),
      status: 'pending',
      amount: 1200,
      currency: 'JPY',
      reference: 'order-1',
    });
    expect(res.headers.get('location')).toBe(`/payment/a/v1/payments/${payment.id}`);
    for (const instance of ['a', 'b']) {
      const got = await call(s.base, 'GET', `/payment/${instance}/v1/payments/${payment.id}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(got.status).toBe(200);
      expect((got.body as Payment).id).toBe(payment.id);
    }
    const unknown = await call(s.base, 'GET', '/payment/a/v1/payments/pay_nope', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(unknown.status).toBe(404);
  });

  it('requires a bearer token issued by the sandbox (401 with WWW-Authenticate)', async () => {
    const body = { amount: 1200, currency: 'JPY', reference: 'x' };
    const none = await call(s.base, 'POST', '/payment/a/v1/payments', { json: body });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="sandbox"');
    const forged = await s.pay('sbx_forged', body);
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const get = await call(s.base, 'GET', '/payment/a/v1/payments/pay_x');
    expect(get.status).toBe(401);
  });

  it('rejects a token once it has expired', async () => {
    const token = await accessToken(s.base);
    s.clock += 59_000;
    expect((await s.pay(token, { amount: 100, currency: 'USD', reference: 'r' })).status).toBe(201);
    s.clock += 1_000;
    const expired = await s.pay(token, { amount: 100, currency: 'USD', reference: 'r' });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ message: 'access token expired' });
    expect((await s.pay(await accessToken(s.base), { amount: 100, currency: 'USD', reference: 'r' })).status).toBe(201);
  });

  it.each([
    [{ amount: '1200', currency: 'JPY', reference: 'r' }],
    [{ amount: 0, currency: 'JPY', reference: 'r' }],
    [{ amount: 12.5, currency: 'JPY', reference: 'r' }],
    [{ amount: 1200, currency: 'jpy', reference: 'r' }],
    [{ amount: 1200, currency: 'JPY' }],
    [{ amount: 1200, currency: 'JPY', reference: '   ' }],
    [{ amount: 1200, currency: 'JPY', reference: 'r', userId: 'u1' }],
    [[1200]],
  ])('answers 400 for the body %j', async (body) => {
    const res = await s.pay(await accessToken(s.base), body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request' });
  });

  it('answers 400 for malformed JSON and 415 for a non-JSON body', async () => {
    const token = await accessToken(s.base);
    const headers = { authorization: `Bearer ${token}` };
    const malformed = await call(s.base, 'POST', '/payment/a/v1/payments', {
      headers: { ...headers, 'content-type': 'application/json' },
      raw: '{"amount":',
    });
    expect(malformed.status).toBe(400);
    const form = await call(s.base, 'POST', '/payment/a/v1/payments', {
      headers,
      form: { amount: '1', currency: 'JPY', reference: 'r' },
    });
    expect(form.status).toBe(415);
  });

  it('honours Idempotency-Key: same body → the same payment, other body → 422', async () => {
    const token = await accessToken(s.base);
    const body = { amount: 5000, currency: 'JPY', reference: 'order-idem' };
    const first = await s.pay(token, body, { 'idempotency-key': 'key-1' });
    const again = await s.pay(token, body, { 'idempotency-key': 'key-1' }, 'b');
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((again.body as Payment).id).toBe((first.body as Payment).id);
    const conflict = await s.pay(token, { ...body, amount: 5001 }, { 'idempotency-key': 'key-1' });
    expect(conflict.status).toBe(422);
    expect(conflict.body).toMatchObject({ error: 'idempotency_key_reused' });
    const other = await s.pay(token, body, { 'idempotency-key': 'key-2' });
    const noKey = await s.pay(token, body);
    expect(new Set([first, other, noKey].map((r) => (r.body as Payment).id)).size).toBe(3);
    const badKey = await s.pay(token, body, { 'idempotency-key': 'x'.repeat(256) });
    expect(badKey.status).toBe(400);
    expect(s.sandbox.stats().payments).toMatchObject({ created: 3, replayed: 1 });
  });

  it('settles asynchronously: succeeded, or failed for amounts ending in 13 and "fail" references', async () => {
    const token = await accessToken(s.base);
    const ok = (await s.pay(token, { amount: 1200, currency: 'JPY', reference: 'o' })).body as Payment;
    const bad = (await s.pay(token, { amount: 1213, currency: 'JPY', reference: 'o' })).body as Payment;
    const failRef = (await s.pay(token, { amount: 1200, currency: 'JPY', reference: 'please-FAIL' })).body as Payment;
    await waitFor(() => [ok, bad, failRef].every((p) => s.sandbox.payment(p.id)?.status !== 'pending'), {
      what: 'the three payments settled',
    });
    const status = async (id: string) =>
      (
        (await call(s.base, 'GET', `/payment/b/v1/payments/${id}`, { headers: { authorization: `Bearer ${token}` } }))
          .body as Payment
      ).status;
    expect(await status(ok.id)).toBe('succeeded');
    expect(await status(bad.id)).toBe('failed');
    expect(await status(failRef.id)).toBe('failed');
    expect(settlementOf({ amount: 113, reference: 'x' })).toBe('failed');
    expect(settlementOf({ amount: 1300, reference: 'x' })).toBe('succeeded');
  });
});
