import axios from 'axios';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { OAuth2Server } from 'oauth2-mock-server';
import { OAuth2ClientCredentialsAuth } from '../../src/gateway/auth-strategies.js';
import { OAuth2TokenProvider } from '../../src/gateway/oauth2-token-provider.js';
import { UpstreamException } from '../../src/gateway/upstream-errors.js';
import { delay, json, startUpstream, type FakeUpstream } from './fake-upstream.js';
import { closeGateways, failure, makeGateway } from './fixtures.js';

const PAY = { method: 'GET', path: '/v1/payments/pay_1' } as const;
const bearer = (r: { headers: Record<string, string | string[] | undefined> }) => r.headers.authorization;

describe('OAuth 2.0 client credentials through the gateway', () => {
  let tokenServer: FakeUpstream;
  let api: FakeUpstream;
  let revoked: Set<string>;
  let issued: number;

  beforeEach(async () => {
    revoked = new Set();
    issued = 0;
    tokenServer = await startUpstream(async (_req, res) => {
      await delay(50);
      json(res, 200, { access_token: `tok-${++issued}`, token_type: 'Bearer', expires_in: 3600 });
    });
    api = await startUpstream((req, res) => {
      const token = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      if (!token || revoked.has(token))
        return json(res, 401, { error: 'invalid_token' }, { 'WWW-Authenticate': 'Bearer' });
      json(res, 200, { id: 'pay_1', status: 'pending' });
    });
  });
  afterEach(async () => {
    closeGateways();
    await Promise.all([tokenServer.close(), api.close()]);
  });

  const oauthGateway = (now?: () => number, policy?: { readTimeoutMs: number; totalTimeoutMs: number }) => {
    const provider = new OAuth2TokenProvider({
      service: 'payment',
      tokenUrl: `${tokenServer.url}/oauth/token`,
      clientId: 'gateway',
      clientSecret: 'secret',
      http: axios.create(),
      now,
    });
    return {
      provider,
      gw: makeGateway([api.url], { name: 'payment', auth: new OAuth2ClientCredentialsAuth(provider), policy }),
    };
  };

  it('fetches one token for 100 concurrent cold calls', async () => {
    // 100 calls at once on a busy machine can take longer than the 2 s test read timeout; this is about
    // the token, so no attempt may time out (a timed-out attempt failed this test under load).
    const { gw } = oauthGateway(undefined, { readTimeoutMs: 600_000, totalTimeoutMs: 600_000 });
    const results = await Promise.all(Array.from({ length: 100 }, () => gw.request(PAY)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(tokenServer.count()).toBe(1);
    expect(api.count()).toBe(100);
    expect(new Set(api.requests.map(bearer))).toEqual(new Set(['Bearer tok-1']));
  });

  it('fetches a new token when the cached one nears expiry', async () => {
    let now = Date.now();
    const { gw, provider } = oauthGateway(() => now);
    await gw.request(PAY);
    await gw.request(PAY);
    expect(tokenServer.count()).toBe(1);
    now += 3600_000 - 60_000; // the refresh margin of a one-hour token
    await gw.request(PAY);
    expect(tokenServer.count()).toBe(2);
    expect(api.requests.map(bearer)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
    expect(provider.snapshot()).toMatchObject({ hasToken: true, fetchCount: 2 });
  });

  it('a 401 drops the token and replays the call once with exactly one new token', async () => {
    const { gw } = oauthGateway();
    await gw.request(PAY);
    revoked.add('tok-1');
    const res = await gw.request(PAY);
    expect(res.status).toBe(200);
    expect(tokenServer.count()).toBe(2);
    expect(api.requests.map(bearer)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
    expect(api.requests.map((r) => r.path)).toEqual([PAY.path, PAY.path, PAY.path]);
  });

  it('a second 401 is not replayed again: 502 exposing the upstream 401', async () => {
    const { gw } = oauthGateway();
    api.handler = (_req, res) => json(res, 401, { error: 'invalid_token' });
    const error = (await failure(() => gw.request(PAY))) as UpstreamException;
    expect(error).toBeInstanceOf(UpstreamException);
    expect(error).toMatchObject({ upstreamStatus: 401, attempts: 2 });
    expect(error.getStatus()).toBe(502);
    expect(tokenServer.count()).toBe(2);
    expect(api.count()).toBe(2);
  });

  it('many calls hitting 401 at once still fetch a single new token', async () => {
    const { gw } = oauthGateway();
    await gw.request(PAY);
    revoked.add('tok-1');
    await Promise.all(Array.from({ length: 20 }, () => gw.request(PAY)));
    expect(tokenServer.count()).toBe(2);
    expect(api.count()).toBe(1 + 40);
    // Each call: one attempt with the revoked token, one replay with the new one (arrival order may interleave).
    const sent = api.requests.slice(1).map(bearer);
    expect(sent.filter((h) => h === 'Bearer tok-1')).toHaveLength(20);
    expect(sent.filter((h) => h === 'Bearer tok-2')).toHaveLength(20);
  });

  it('a token endpoint that rejects the client is a 502, not retried', async () => {
    tokenServer.handler = (_req, res) => json(res, 401, { error: 'invalid_client' });
    const { gw } = oauthGateway();
    const error = (await failure(() => gw.request(PAY))) as UpstreamException;
    expect(error).toMatchObject({ reason: 'token-rejected', attempts: 1 });
    expect(error.getStatus()).toBe(502);
    expect(tokenServer.count()).toBe(1);
    expect(api.count()).toBe(0);
  });
});

describe('OAuth2TokenProvider against oauth2-mock-server', () => {
  let server: OAuth2Server;
  let tokenResponses: number;
  beforeAll(async () => {
    server = new OAuth2Server();
    await server.issuer.keys.generate('RS256');
    await server.start(0, '127.0.0.1');
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    tokenResponses = 0;
    server.service.removeAllListeners('beforeResponse');
    server.service.on('beforeResponse', () => tokenResponses++);
  });

  const provider = () =>
    new OAuth2TokenProvider({
      service: 'payment',
      tokenUrl: `${server.issuer.url}/token`,
      clientId: 'gateway',
      clientSecret: 'secret',
      scope: 'payments:write payments:read',
      http: axios.create(),
    });

  it('gets a verifiable JWT carrying the requested scope, once for concurrent callers', async () => {
    const p = provider();
    const tokens = await Promise.all(Array.from({ length: 25 }, () => p.getToken()));
    expect(tokenResponses).toBe(1);
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
    const { payload } = await jwtVerify(
      tokens[0].accessToken,
      createRemoteJWKSet(new URL(`${server.issuer.url}/jwks`)),
      { issuer: server.issuer.url },
    );
    expect(payload.scope).toBe('payments:write payments:read');
    // The mock issues one-hour tokens: cached until a minute before.
    expect(tokens[0].expiresAt - Date.now()).toBeGreaterThan(3_500_000);
    expect(tokens[0].expiresAt - tokens[0].refreshAt).toBe(60_000);
  });

  it('surfaces an error response from the authorization server', async () => {
    server.service.once('beforeResponse', (response: { body: unknown; statusCode: number }) => {
      response.body = { error: 'invalid_client' };
      response.statusCode = 401;
    });
    await expect(provider().getToken()).rejects.toMatchObject({ outcome: 'token-rejected', status: 401 });
  });
});
