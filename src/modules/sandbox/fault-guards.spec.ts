import { accessToken, basic, call } from '../../../test/support/sandbox-http.js';
import { useSandbox } from '../../../test/support/sandbox-fixture.js';
import type { SandboxServer } from './sandbox.server.js';

const s = useSandbox();

describe('fault injection', () => {
  const sendEmail = (instance = 'a') =>
    call(s.base, 'POST', `/email/${instance}/v1/messages`, {
      headers: { 'x-api-key': 'email-key' },
      json: { to: 'a@example.com', subject: 's', text: 't' },
    });

  it('answers the injected status (with Retry-After) for the next N calls only', async () => {
    const put = await call(s.base, 'PUT', '/_faults/email/a', { json: { status: 503, count: 2, retryAfter: '2' } });
    expect(put.status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await sendEmail();
      statuses.push(res.status);
      if (i === 0) expect(res.headers.get('retry-after')).toBe('2');
    }
    expect(statuses).toEqual([503, 503, 202]);
    expect((await sendEmail('b')).status).toBe(202);
    expect((await call(s.base, 'GET', '/email/a/health')).status).toBe(200);
    const stats = (await call(s.base, 'GET', '/_stats')).body as ReturnType<SandboxServer['stats']>;
    expect(stats.services.email.a).toMatchObject({ requests: 3, faulted: 2, byStatus: { '503': 2, '202': 1 } });
    expect(stats.services.email.b).toMatchObject({ requests: 1, faulted: 0 });
  });

  it('marks an instance down (health 503, calls 503) until the faults are cleared', async () => {
    await call(s.base, 'PUT', '/_faults/maps/b', { json: { down: true } });
    expect((await call(s.base, 'GET', '/maps/b/health')).status).toBe(503);
    const res = await call(s.base, 'GET', '/maps/b/v1/geocode?address=Tokyo%20Tower', {
      headers: { 'x-api-key': 'maps-key' },
    });
    expect([res.status, res.body]).toEqual([503, expect.objectContaining({ error: 'instance_down' })]);
    expect((await call(s.base, 'GET', '/maps/a/health')).status).toBe(200);
    expect((await call(s.base, 'GET', '/_faults')).body).toMatchObject({ 'maps/b': { down: true } });
    expect((await call(s.base, 'DELETE', '/_faults')).status).toBe(204);
    expect((await call(s.base, 'GET', '/maps/b/health')).status).toBe(200);
    expect((await call(s.base, 'GET', '/_faults')).body).toEqual({});
  });

  it('delays a call, and drops the connection without an answer', async () => {
    await call(s.base, 'PUT', '/_faults/sms/a', { json: { delayMs: 150, count: 1 } });
    const started = Date.now();
    const slow = await call(s.base, 'POST', '/sms/a/v1/messages', {
      headers: { authorization: basic('sandbox', 'sms-password') },
      json: { to: '+819012345678', body: 'x' },
    });
    expect(slow.status).toBe(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await call(s.base, 'PUT', '/_faults/email/b', { json: { drop: true, count: 1 } });
    await expect(sendEmail('b')).rejects.toThrow();
    expect((await sendEmail('b')).status).toBe(202);
  });

  it('"when": "after" processes the call, then loses the answer: an idempotent retry gets the same payment', async () => {
    const token = await accessToken(s.base);
    await call(s.base, 'PUT', '/_faults/payment/a', { json: { status: 502, count: 1, when: 'after' } });
    const body = { amount: 3000, currency: 'JPY', reference: 'lost-answer' };
    const lost = await s.pay(token, body, { 'idempotency-key': 'retry-me' });
    expect(lost.status).toBe(502);
    expect(lost.body).toMatchObject({ error: 'injected_fault' });
    const retry = await s.pay(token, body, { 'idempotency-key': 'retry-me' }, 'b');
    expect(retry.status).toBe(201);
    expect(s.sandbox.stats().payments).toMatchObject({ created: 1, replayed: 1 });
  });

  it('injects faults into the token endpoint', async () => {
    await call(s.base, 'PUT', '/_faults/token', { json: { status: 503, count: 1 } });
    const res = await call(s.base, 'POST', '/oauth/token', {
      headers: { authorization: basic('sandbox-client', 'payment-secret') },
      form: { grant_type: 'client_credentials' },
    });
    expect(res.status).toBe(503);
    await expect(accessToken(s.base)).resolves.toMatch(/^sbx_/);
    expect(s.sandbox.stats().token).toMatchObject({ requests: 2, faulted: 1, issued: 1 });
  });

  it('validates the admin API and resets the counters', async () => {
    expect((await call(s.base, 'PUT', '/_faults/email/a', { json: { status: 200 } })).status).toBe(400);
    expect((await call(s.base, 'PUT', '/_faults/email/z', { json: { status: 503 } })).status).toBe(404);
    expect((await call(s.base, 'PUT', '/_faults/fax/a', { json: { status: 503 } })).status).toBe(404);
    await call(s.base, 'PUT', '/_faults/email/a', { json: { status: 500 } });
    expect((await call(s.base, 'DELETE', '/_faults/email/a')).status).toBe(204);
    expect((await sendEmail()).status).toBe(202);
    expect((await call(s.base, 'DELETE', '/_stats')).status).toBe(204);
    expect(s.sandbox.stats().services.email.a.requests).toBe(0);
  });
});
