import { accessToken, basic, call, CREDENTIALS, waitFor } from '../../../test/support/sandbox-http.js';
import { createSandboxServer, settlementOf, type SandboxServer } from './sandbox.server.js';

const ULID = '[0-9A-HJKMNP-TV-Z]{26}';

interface Payment {
  id: string;
  status: string;
  amount: number;
  currency: string;
  reference: string;
}

describe('sandbox server (real listen on 127.0.0.1)', () => {
  let clock = Date.now();
  let sandbox: SandboxServer;
  let base: string;

  beforeAll(async () => {
    sandbox = createSandboxServer({
      credentials: CREDENTIALS,
      settleDelayMs: 20,
      tokenTtlS: 60,
      scopes: ['payments', 'payments:read'],
      now: () => clock,
    });
    base = await sandbox.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await sandbox.close();
  });
  afterEach(() => sandbox.reset());

  const pay = (token: string, body: unknown, headers: Record<string, string> = {}, instance = 'a') =>
    call(base, 'POST', `/payment/${instance}/v1/payments`, {
      headers: { authorization: `Bearer ${token}`, ...headers },
      json: body,
    });

  describe('POST /oauth/token', () => {
    it('issues a bearer token to a client authenticated with HTTP Basic', async () => {
      const res = await call(base, 'POST', '/oauth/token', {
        headers: { authorization: basic('sandbox-client', 'payment-secret') },
        form: { grant_type: 'client_credentials' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body).toEqual({
        access_token: expect.stringMatching(/^sbx_/),
        token_type: 'Bearer',
        expires_in: 60,
        scope: 'payments payments:read',
      });
    });

    it('accepts form credentials and narrows the scope to the one requested', async () => {
      const res = await call(base, 'POST', '/oauth/token', {
        form: {
          grant_type: 'client_credentials',
          client_id: 'sandbox-client',
          client_secret: 'payment-secret',
          scope: 'payments:read',
        },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ scope: 'payments:read' });
    });

    it('accepts form-encoded Basic credentials (RFC 6749 §2.3.1)', async () => {
      const s = createSandboxServer({
        credentials: { ...CREDENTIALS, payment: { clientId: 'client:1', clientSecret: 'a b+c' } },
      });
      const url = await s.listen();
      try {
        const res = await call(url, 'POST', '/oauth/token', {
          headers: { authorization: basic(encodeURIComponent('client:1'), 'a+b%2Bc') },
          form: { grant_type: 'client_credentials' },
        });
        expect(res.status).toBe(200);
      } finally {
        await s.close();
      }
    });

    it.each([
      ['a wrong secret', { authorization: basic('sandbox-client', 'nope') }, { grant_type: 'client_credentials' }],
      ['an unknown client', { authorization: basic('other', 'payment-secret') }, { grant_type: 'client_credentials' }],
      ['no credentials', {}, { grant_type: 'client_credentials' }],
      ['malformed Basic', { authorization: 'Basic !!!' }, { grant_type: 'client_credentials' }],
      [
        'wrong form credentials',
        {},
        { grant_type: 'client_credentials', client_id: 'sandbox-client', client_secret: 'x' },
      ],
    ])('answers 401 invalid_client for %s', async (_name, headers, form) => {
      const res = await call(base, 'POST', '/oauth/token', { headers, form });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      expect(res.body).toMatchObject({ error: 'invalid_client' });
    });

    it('answers 400 unsupported_grant_type, invalid_request and invalid_scope', async () => {
      const auth = { authorization: basic('sandbox-client', 'payment-secret') };
      const unsupported = await call(base, 'POST', '/oauth/token', { headers: auth, form: { grant_type: 'password' } });
      expect(unsupported.status).toBe(400);
      expect(unsupported.body).toMatchObject({ error: 'unsupported_grant_type' });
      const missing = await call(base, 'POST', '/oauth/token', { headers: auth, form: {} });
      expect(missing.status).toBe(400);
      expect(missing.body).toMatchObject({ error: 'invalid_request' });
      const twiceForm = await call(base, 'POST', '/oauth/token', {
        headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
        raw: 'grant_type=client_credentials&grant_type=client_credentials',
      });
      expect(twiceForm.status).toBe(400);
      expect(twiceForm.body).toMatchObject({ error: 'invalid_request' });
      const bothMethods = await call(base, 'POST', '/oauth/token', {
        headers: auth,
        form: { grant_type: 'client_credentials', client_secret: 'payment-secret' },
      });
      expect(bothMethods.status).toBe(400);
      const scope = await call(base, 'POST', '/oauth/token', {
        headers: auth,
        form: { grant_type: 'client_credentials', scope: 'payments admin' },
      });
      expect(scope.status).toBe(400);
      expect(scope.body).toMatchObject({ error: 'invalid_scope' });
      expect(sandbox.stats().token).toMatchObject({ requests: 5, issued: 0, rejected: 5 });
    });
  });

  describe('payment service', () => {
    it('creates a pending payment (201) and reads it back from either instance', async () => {
      const token = await accessToken(base);
      const res = await pay(token, { amount: 1200, currency: 'JPY', reference: 'order-1' });
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
        const got = await call(base, 'GET', `/payment/${instance}/v1/payments/${payment.id}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(got.status).toBe(200);
        expect((got.body as Payment).id).toBe(payment.id);
      }
      const unknown = await call(base, 'GET', '/payment/a/v1/payments/pay_nope', {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(unknown.status).toBe(404);
    });

    it('requires a bearer token issued by the sandbox (401 with WWW-Authenticate)', async () => {
      const body = { amount: 1200, currency: 'JPY', reference: 'x' };
      const none = await call(base, 'POST', '/payment/a/v1/payments', { json: body });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="sandbox"');
      const forged = await pay('sbx_forged', body);
      expect(forged.status).toBe(401);
      expect(forged.headers.get('www-authenticate')).toContain('error="invalid_token"');
      const get = await call(base, 'GET', '/payment/a/v1/payments/pay_x');
      expect(get.status).toBe(401);
    });

    it('rejects a token once it has expired', async () => {
      const token = await accessToken(base);
      clock += 59_000;
      expect((await pay(token, { amount: 100, currency: 'USD', reference: 'r' })).status).toBe(201);
      clock += 1_000;
      const expired = await pay(token, { amount: 100, currency: 'USD', reference: 'r' });
      expect(expired.status).toBe(401);
      expect(expired.body).toMatchObject({ message: 'access token expired' });
      expect((await pay(await accessToken(base), { amount: 100, currency: 'USD', reference: 'r' })).status).toBe(201);
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
      const res = await pay(await accessToken(base), body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_request' });
    });

    it('answers 400 for malformed JSON and 415 for a non-JSON body', async () => {
      const token = await accessToken(base);
      const headers = { authorization: `Bearer ${token}` };
      const malformed = await call(base, 'POST', '/payment/a/v1/payments', {
        headers: { ...headers, 'content-type': 'application/json' },
        raw: '{"amount":',
      });
      expect(malformed.status).toBe(400);
      const form = await call(base, 'POST', '/payment/a/v1/payments', {
        headers,
        form: { amount: '1', currency: 'JPY', reference: 'r' },
      });
      expect(form.status).toBe(415);
    });

    it('honours Idempotency-Key: same body → the same payment, other body → 422', async () => {
      const token = await accessToken(base);
      const body = { amount: 5000, currency: 'JPY', reference: 'order-idem' };
      const first = await pay(token, body, { 'idempotency-key': 'key-1' });
      const again = await pay(token, body, { 'idempotency-key': 'key-1' }, 'b');
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect((again.body as Payment).id).toBe((first.body as Payment).id);
      const conflict = await pay(token, { ...body, amount: 5001 }, { 'idempotency-key': 'key-1' });
      expect(conflict.status).toBe(422);
      expect(conflict.body).toMatchObject({ error: 'idempotency_key_reused' });
      const other = await pay(token, body, { 'idempotency-key': 'key-2' });
      const noKey = await pay(token, body);
      expect(new Set([first, other, noKey].map((r) => (r.body as Payment).id)).size).toBe(3);
      const badKey = await pay(token, body, { 'idempotency-key': 'x'.repeat(256) });
      expect(badKey.status).toBe(400);
      expect(sandbox.stats().payments).toMatchObject({ created: 3, replayed: 1 });
    });

    it('settles asynchronously: succeeded, or failed for amounts ending in 13 and "fail" references', async () => {
      const token = await accessToken(base);
      const ok = (await pay(token, { amount: 1200, currency: 'JPY', reference: 'o' })).body as Payment;
      const bad = (await pay(token, { amount: 1213, currency: 'JPY', reference: 'o' })).body as Payment;
      const failRef = (await pay(token, { amount: 1200, currency: 'JPY', reference: 'please-FAIL' })).body as Payment;
      await waitFor(() => [ok, bad, failRef].every((p) => sandbox.payment(p.id)?.status !== 'pending'));
      const status = async (id: string) =>
        (
          (await call(base, 'GET', `/payment/b/v1/payments/${id}`, { headers: { authorization: `Bearer ${token}` } }))
            .body as Payment
        ).status;
      expect(await status(ok.id)).toBe('succeeded');
      expect(await status(bad.id)).toBe('failed');
      expect(await status(failRef.id)).toBe('failed');
      expect(settlementOf({ amount: 113, reference: 'x' })).toBe('failed');
      expect(settlementOf({ amount: 1300, reference: 'x' })).toBe('succeeded');
    });
  });

  describe('email service', () => {
    const email = { to: 'yamada@example.com', subject: 'ご注文', text: 'ありがとうございます' };

    it('queues a message (202) with the right X-API-Key', async () => {
      const res = await call(base, 'POST', '/email/b/v1/messages', {
        headers: { 'x-api-key': 'email-key' },
        json: email,
      });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ id: expect.stringMatching(new RegExp(`^msg_${ULID}$`)), status: 'queued' });
      const outbox = (await call(base, 'GET', '/_outbox')).body as Array<{ id: string; to: string }>;
      expect(outbox.at(-1)).toMatchObject({ id: (res.body as { id: string }).id, to: email.to, instance: 'b' });
    });

    it('answers 401 without or with a wrong key, 400 on an invalid body', async () => {
      expect((await call(base, 'POST', '/email/a/v1/messages', { json: email })).status).toBe(401);
      const wrong = await call(base, 'POST', '/email/a/v1/messages', { headers: { 'x-api-key': 'x' }, json: email });
      expect(wrong.status).toBe(401);
      for (const body of [
        { ...email, to: 'not-an-email' },
        { to: email.to, text: 'x' },
        { ...email, subject: 'a\r\nBcc: x@y.z' },
        { ...email, cc: 'x@y.z' },
      ]) {
        const res = await call(base, 'POST', '/email/a/v1/messages', {
          headers: { 'x-api-key': 'email-key' },
          json: body,
        });
        expect(res.status).toBe(400);
      }
    });
  });

  describe('SMS service', () => {
    it('queues a message (202) with HTTP Basic', async () => {
      const res = await call(base, 'POST', '/sms/a/v1/messages', {
        headers: { authorization: basic('sandbox', 'sms-password') },
        json: { to: '+819012345678', body: '認証コード 123456' },
      });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ id: expect.stringMatching(new RegExp(`^sms_${ULID}$`)), status: 'queued' });
    });

    it('answers 401 with WWW-Authenticate on bad credentials, 400 on an invalid body', async () => {
      const json = { to: '+819012345678', body: 'x' };
      const none = await call(base, 'POST', '/sms/a/v1/messages', { json });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Basic /);
      const wrong = await call(base, 'POST', '/sms/a/v1/messages', {
        headers: { authorization: basic('sandbox', 'nope') },
        json,
      });
      expect(wrong.status).toBe(401);
      const invalid = await call(base, 'POST', '/sms/a/v1/messages', {
        headers: { authorization: basic('sandbox', 'sms-password') },
        json: { to: '090-1234-5678', body: '' },
      });
      expect(invalid.status).toBe(400);
      expect((invalid.body as { errors: string[] }).errors).toHaveLength(2);
    });
  });

  describe('maps service', () => {
    it('geocodes a known address (normalised) and answers 404 for an unknown one', async () => {
      const headers = { 'x-api-key': 'maps-key' };
      const q = encodeURIComponent('  tokyo   STATION ');
      const res = await call(base, 'GET', `/maps/a/v1/geocode?address=${q}`, { headers });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ address: '東京都千代田区丸の内1丁目', lat: 35.681236, lng: 139.767125 });
      const jp = await call(base, 'GET', `/maps/b/v1/geocode?address=${encodeURIComponent('大阪駅')}`, { headers });
      expect(jp.body).toMatchObject({ lat: 34.702485 });
      expect((await call(base, 'GET', '/maps/a/v1/geocode?address=Atlantis', { headers })).status).toBe(404);
      expect((await call(base, 'GET', '/maps/a/v1/geocode', { headers })).status).toBe(400);
      expect((await call(base, 'GET', '/maps/a/v1/geocode?address=a&address=b', { headers })).status).toBe(400);
      expect((await call(base, 'GET', '/maps/a/v1/geocode?address=Tokyo%20Station')).status).toBe(401);
    });
  });

  describe('health and routing', () => {
    it('answers /health on every instance and 404 elsewhere', async () => {
      for (const svc of ['payment', 'email', 'sms', 'maps']) {
        for (const inst of ['a', 'b']) {
          const res = await call(base, 'GET', `/${svc}/${inst}/health`);
          expect([res.status, res.body]).toEqual([200, { status: 'ok' }]);
        }
      }
      expect((await call(base, 'GET', '/payment/c/health')).status).toBe(404);
      expect((await call(base, 'GET', '/payment/a/v1/refunds')).status).toBe(404);
      expect(sandbox.stats().services.maps.b.healthChecks).toBe(1);
    });
  });

  describe('fault injection', () => {
    const sendEmail = (instance = 'a') =>
      call(base, 'POST', `/email/${instance}/v1/messages`, {
        headers: { 'x-api-key': 'email-key' },
        json: { to: 'a@example.com', subject: 's', text: 't' },
      });

    it('answers the injected status (with Retry-After) for the next N calls only', async () => {
      const put = await call(base, 'PUT', '/_faults/email/a', { json: { status: 503, count: 2, retryAfter: '2' } });
      expect(put.status).toBe(200);
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await sendEmail();
        statuses.push(res.status);
        if (i === 0) expect(res.headers.get('retry-after')).toBe('2');
      }
      expect(statuses).toEqual([503, 503, 202]);
      expect((await sendEmail('b')).status).toBe(202);
      expect((await call(base, 'GET', '/email/a/health')).status).toBe(200);
      const stats = (await call(base, 'GET', '/_stats')).body as ReturnType<SandboxServer['stats']>;
      expect(stats.services.email.a).toMatchObject({ requests: 3, faulted: 2, byStatus: { '503': 2, '202': 1 } });
      expect(stats.services.email.b).toMatchObject({ requests: 1, faulted: 0 });
    });

    it('marks an instance down (health 503, calls 503) until the faults are cleared', async () => {
      await call(base, 'PUT', '/_faults/maps/b', { json: { down: true } });
      expect((await call(base, 'GET', '/maps/b/health')).status).toBe(503);
      const res = await call(base, 'GET', '/maps/b/v1/geocode?address=Tokyo%20Tower', {
        headers: { 'x-api-key': 'maps-key' },
      });
      expect([res.status, res.body]).toEqual([503, expect.objectContaining({ error: 'instance_down' })]);
      expect((await call(base, 'GET', '/maps/a/health')).status).toBe(200);
      expect((await call(base, 'GET', '/_faults')).body).toMatchObject({ 'maps/b': { down: true } });
      expect((await call(base, 'DELETE', '/_faults')).status).toBe(204);
      expect((await call(base, 'GET', '/maps/b/health')).status).toBe(200);
      expect((await call(base, 'GET', '/_faults')).body).toEqual({});
    });

    it('delays a call, and drops the connection without an answer', async () => {
      await call(base, 'PUT', '/_faults/sms/a', { json: { delayMs: 150, count: 1 } });
      const started = Date.now();
      const slow = await call(base, 'POST', '/sms/a/v1/messages', {
        headers: { authorization: basic('sandbox', 'sms-password') },
        json: { to: '+819012345678', body: 'x' },
      });
      expect(slow.status).toBe(202);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      await call(base, 'PUT', '/_faults/email/b', { json: { drop: true, count: 1 } });
      await expect(sendEmail('b')).rejects.toThrow();
      expect((await sendEmail('b')).status).toBe(202);
    });

    it('"when": "after" processes the call, then loses the answer: an idempotent retry gets the same payment', async () => {
      const token = await accessToken(base);
      await call(base, 'PUT', '/_faults/payment/a', { json: { status: 502, count: 1, when: 'after' } });
      const body = { amount: 3000, currency: 'JPY', reference: 'lost-answer' };
      const lost = await pay(token, body, { 'idempotency-key': 'retry-me' });
      expect(lost.status).toBe(502);
      expect(lost.body).toMatchObject({ error: 'injected_fault' });
      const retry = await pay(token, body, { 'idempotency-key': 'retry-me' }, 'b');
      expect(retry.status).toBe(201);
      expect(sandbox.stats().payments).toMatchObject({ created: 1, replayed: 1 });
    });

    it('injects faults into the token endpoint', async () => {
      await call(base, 'PUT', '/_faults/token', { json: { status: 503, count: 1 } });
      const res = await call(base, 'POST', '/oauth/token', {
        headers: { authorization: basic('sandbox-client', 'payment-secret') },
        form: { grant_type: 'client_credentials' },
      });
      expect(res.status).toBe(503);
      await expect(accessToken(base)).resolves.toMatch(/^sbx_/);
      expect(sandbox.stats().token).toMatchObject({ requests: 2, faulted: 1, issued: 1 });
    });

    it('validates the admin API and resets the counters', async () => {
      expect((await call(base, 'PUT', '/_faults/email/a', { json: { status: 200 } })).status).toBe(400);
      expect((await call(base, 'PUT', '/_faults/email/z', { json: { status: 503 } })).status).toBe(404);
      expect((await call(base, 'PUT', '/_faults/fax/a', { json: { status: 503 } })).status).toBe(404);
      await call(base, 'PUT', '/_faults/email/a', { json: { status: 500 } });
      expect((await call(base, 'DELETE', '/_faults/email/a')).status).toBe(204);
      expect((await sendEmail()).status).toBe(202);
      expect((await call(base, 'DELETE', '/_stats')).status).toBe(204);
      expect(sandbox.stats().services.email.a.requests).toBe(0);
    });
  });
});

describe('sandbox server lifecycle', () => {
  it('close() cuts an injected delay short and leaves no timer behind', async () => {
    const s = createSandboxServer({ credentials: CREDENTIALS, settleDelayMs: 60_000 });
    const url = await s.listen();
    const token = await accessToken(url);
    await call(url, 'POST', '/payment/a/v1/payments', {
      headers: { authorization: `Bearer ${token}` },
      json: { amount: 1, currency: 'JPY', reference: 'never settles' },
    });
    await call(url, 'PUT', '/_faults/maps/a', { json: { delayMs: 60_000 } });
    const hanging = call(url, 'GET', '/maps/a/v1/geocode?address=x', { headers: { 'x-api-key': 'maps-key' } }).then(
      (r) => r.status,
      () => 'dropped',
    );
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await s.close();
    expect(await hanging).toBeDefined();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(s.url).toBeNull();
  });

  it('validates its options', () => {
    expect(() => createSandboxServer({ credentials: CREDENTIALS, instances: [] })).toThrow();
    expect(() => createSandboxServer({ credentials: CREDENTIALS, instances: ['A/B'] })).toThrow();
    expect(() => createSandboxServer({ credentials: CREDENTIALS, settleDelayMs: -1 })).toThrow();
    expect(() =>
      createSandboxServer({ credentials: CREDENTIALS, webhook: { url: 'http://127.0.0.1:1/', secret: 'whsec_' } }),
    ).toThrow();
  });
});

describe('sandbox messages honour Idempotency-Key', () => {
  it('answers a repeated key with the first message and sends nothing again, on any instance', async () => {
    const server = createSandboxServer({ credentials: CREDENTIALS });
    const url = await server.listen(0);
    try {
      const send = (instance: string) =>
        fetch(`${url}/email/${instance}/v1/messages`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-api-key': CREDENTIALS.emailApiKey,
            'idempotency-key': 'webhook:evt_1',
          },
          body: JSON.stringify({ to: 'a@example.com', subject: 'hi', text: 'hello' }),
        });
      const first = await send('a');
      const second = await send('b');
      expect(first.status).toBe(202);
      expect(second.status).toBe(202);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(((await second.json()) as { id: string }).id).toBe(((await first.json()) as { id: string }).id);
      expect(server.stats().messages.email).toEqual({ accepted: 1, replayed: 1 });
    } finally {
      await server.close();
    }
  });
});
