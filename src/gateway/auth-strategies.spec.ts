import axios from 'axios';
import { json, startUpstream, type FakeUpstream } from '../../test/gateway/fake-upstream.js';
import { ApiKeyAuth, BasicAuth, OAuth2ClientCredentialsAuth } from './auth-strategies.js';
import { OAuth2TokenProvider } from './oauth2-token-provider.js';

const signal = new AbortController().signal;

describe('auth strategies', () => {
  it('ApiKeyAuth sends X-API-Key and never shows the key', async () => {
    const auth = new ApiKeyAuth('k-123');
    const headers: Record<string, string> = {};
    await auth.apply(headers);
    expect(headers).toEqual({ 'X-API-Key': 'k-123' });
    expect(JSON.stringify(auth.snapshot())).not.toContain('k-123');
  });

  it('BasicAuth sends the RFC 7617 header', async () => {
    const headers: Record<string, string> = {};
    await new BasicAuth('user', 'pä:ss').apply(headers);
    expect(headers.Authorization).toBe(`Basic ${Buffer.from('user:pä:ss').toString('base64')}`);
  });

  describe('OAuth2ClientCredentialsAuth', () => {
    let server: FakeUpstream;
    let n = 0;
    beforeEach(async () => {
      n = 0;
      server = await startUpstream((_req, res) =>
        json(res, 200, { access_token: `t${++n}`, token_type: 'Bearer', expires_in: 600 }),
      );
    });
    afterEach(() => server.close());

    it('sends the bearer token and, on a 401, replaces only the token that was sent', async () => {
      const auth = new OAuth2ClientCredentialsAuth(
        new OAuth2TokenProvider({
          service: 'payment',
          tokenUrl: server.url,
          clientId: 'id',
          clientSecret: 'secret',
          http: axios.create(),
        }),
      );
      const headers: Record<string, string> = {};
      const sent = await auth.apply(headers, signal);
      expect(sent).toBe('t1');
      expect(headers.Authorization).toBe('Bearer t1');
      expect(await auth.onUnauthorized(sent)).toBe(true);
      await auth.apply(headers, signal);
      expect(headers.Authorization).toBe('Bearer t2');
      await auth.onUnauthorized('t1'); // stale 401: t2 stays
      await auth.apply(headers, signal);
      expect(headers.Authorization).toBe('Bearer t2');
      expect(server.count()).toBe(2);
      expect(auth.snapshot()).toMatchObject({ kind: 'oauth2', token: { hasToken: true, fetchCount: 2 } });
    });
  });
});
