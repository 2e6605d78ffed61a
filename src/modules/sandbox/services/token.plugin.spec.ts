import { basic, call, CREDENTIALS } from '../../../../test/support/sandbox-http.js';
import { useSandbox } from '../../../../test/support/sandbox-fixture.js';
import { createSandboxServer } from '../sandbox.server.js';

const s = useSandbox();

describe('POST /oauth/token', () => {
  it('issues a bearer token to a client authenticated with HTTP Basic', async () => {
    const res = await call(s.base, 'POST', '/oauth/token', {
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
    const res = await call(s.base, 'POST', '/oauth/token', {
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
    const res = await call(s.base, 'POST', '/oauth/token', { headers, form });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect(res.body).toMatchObject({ error: 'invalid_client' });
  });

  it('answers 400 unsupported_grant_type, invalid_request and invalid_scope', async () => {
    const auth = { authorization: basic('sandbox-client', 'payment-secret') };
    const unsupported = await call(s.base, 'POST', '/oauth/token', { headers: auth, form: { grant_type: 'password' } });
    expect(unsupported.status).toBe(400);
    expect(unsupported.body).toMatchObject({ error: 'unsupported_grant_type' });
    const missing = await call(s.base, 'POST', '/oauth/token', { headers: auth, form: {} });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: 'invalid_request' });
    const twiceForm = await call(s.base, 'POST', '/oauth/token', {
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      raw: 'grant_type=client_credentials&grant_type=client_credentials',
    });
    expect(twiceForm.status).toBe(400);
    expect(twiceForm.body).toMatchObject({ error: 'invalid_request' });
    const bothMethods = await call(s.base, 'POST', '/oauth/token', {
      headers: auth,
      form: { grant_type: 'client_credentials', client_secret: 'payment-secret' },
    });
    expect(bothMethods.status).toBe(400);
    const scope = await call(s.base, 'POST', '/oauth/token', {
      headers: auth,
      form: { grant_type: 'client_credentials', scope: 'payments admin' },
    });
    expect(scope.status).toBe(400);
    expect(scope.body).toMatchObject({ error: 'invalid_scope' });
    expect(s.sandbox.stats().token).toMatchObject({ requests: 5, issued: 0, rejected: 5 });
  });
});
