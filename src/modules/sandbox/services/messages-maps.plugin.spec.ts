import { basic, call } from '../../../../test/support/sandbox-http.js';
import { useSandbox, ULID } from '../../../../test/support/sandbox-fixture.js';

const s = useSandbox();

describe('email service', () => {
  const email = { to: 'yamada@example.com', subject: 'ご注文', text: 'ありがとうございます' };

  it('queues a message (202) with the right X-API-Key', async () => {
    const res = await call(s.base, 'POST', '/email/b/v1/messages', {
      headers: { 'x-api-key': 'email-key' },
      json: email,
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: expect.stringMatching(new RegExp(`^msg_${ULID}$`)), status: 'queued' });
    const outbox = (await call(s.base, 'GET', '/_outbox')).body as Array<{ id: string; to: string }>;
    expect(outbox.at(-1)).toMatchObject({ id: (res.body as { id: string }).id, to: email.to, instance: 'b' });
  });

  it('answers 401 without or with a wrong key, 400 on an invalid body', async () => {
    expect((await call(s.base, 'POST', '/email/a/v1/messages', { json: email })).status).toBe(401);
    const wrong = await call(s.base, 'POST', '/email/a/v1/messages', { headers: { 'x-api-key': 'x' }, json: email });
    expect(wrong.status).toBe(401);
    for (const body of [
      { ...email, to: 'not-an-email' },
      { to: email.to, text: 'x' },
      { ...email, subject: 'a\r\nBcc: x@y.z' },
      { ...email, cc: 'x@y.z' },
    ]) {
      const res = await call(s.base, 'POST', '/email/a/v1/messages', {
        headers: { 'x-api-key': 'email-key' },
        json: body,
      });
      expect(res.status).toBe(400);
    }
  });
});

describe('SMS service', () => {
  it('queues a message (202) with HTTP Basic', async () => {
    const res = await call(s.base, 'POST', '/sms/a/v1/messages', {
      headers: { authorization: basic('sandbox', 'sms-password') },
      json: { to: '+819012345678', body: '認証コード 123456' },
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: expect.stringMatching(new RegExp(`^sms_${ULID}$`)), status: 'queued' });
  });

  it('answers 401 with WWW-Authenticate on bad credentials, 400 on an invalid body', async () => {
    const json = { to: '+819012345678', body: 'x' };
    const none = await call(s.base, 'POST', '/sms/a/v1/messages', { json });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic /);
    const wrong = await call(s.base, 'POST', '/sms/a/v1/messages', {
      headers: { authorization: basic('sandbox', 'nope') },
      json,
    });
    expect(wrong.status).toBe(401);
    const invalid = await call(s.base, 'POST', '/sms/a/v1/messages', {
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
    const res = await call(s.base, 'GET', `/maps/a/v1/geocode?address=${q}`, { headers });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ address: '東京都千代田区丸の内1丁目', lat: 35.681236, lng: 139.767125 });
    const jp = await call(s.base, 'GET', `/maps/b/v1/geocode?address=${encodeURIComponent('大阪駅')}`, { headers });
    expect(jp.body).toMatchObject({ lat: 34.702485 });
    expect((await call(s.base, 'GET', '/maps/a/v1/geocode?address=Atlantis', { headers })).status).toBe(404);
    expect((await call(s.base, 'GET', '/maps/a/v1/geocode', { headers })).status).toBe(400);
    expect((await call(s.base, 'GET', '/maps/a/v1/geocode?address=a&address=b', { headers })).status).toBe(400);
    expect((await call(s.base, 'GET', '/maps/a/v1/geocode?address=Tokyo%20Station')).status).toBe(401);
  });
});

describe('health and routing', () => {
  it('answers /health on every instance and 404 elsewhere', async () => {
    for (const svc of ['payment', 'email', 'sms', 'maps']) {
      for (const inst of ['a', 'b']) {
        const res = await call(s.base, 'GET', `/${svc}/${inst}/health`);
        expect([res.status, res.body]).toEqual([200, { status: 'ok' }]);
      }
    }
    expect((await call(s.base, 'GET', '/payment/c/health')).status).toBe(404);
    expect((await call(s.base, 'GET', '/payment/a/v1/refunds')).status).toBe(404);
    expect(s.sandbox.stats().services.maps.b.healthChecks).toBe(1);
  });
});
