import axios from 'axios';
import { Registry } from 'prom-client';
import { MemoryLogger, delay, json, startUpstream, type FakeUpstream } from '../../test/gateway/fake-upstream.js';
import { InMemoryTokenStore, OAuth2TokenProvider, refreshMarginMs } from './oauth2-token-provider.js';
import { AttemptError } from './upstream-errors.js';

describe('OAuth2TokenProvider', () => {
  let server: FakeUpstream;
  let issued = 0;
  let expiresIn = 3600;

  beforeEach(async () => {
    issued = 0;
    expiresIn = 3600;
    server = await startUpstream(async (_req, res) => {
      await delay(30); // slow enough that concurrent callers overlap the fetch
      json(res, 200, { access_token: `tok-${++issued}`, token_type: 'bearer', expires_in: expiresIn });
    });
  });
  afterEach(() => server.close());

  const provider = (extra: Partial<ConstructorParameters<typeof OAuth2TokenProvider>[0]> = {}) =>
    new OAuth2TokenProvider({
      service: 'payment',
      tokenUrl: `${server.url}/oauth/token`,
      clientId: 'client 1',
      clientSecret: 's3cr:t',
      scope: 'payments:write',
      http: axios.create(),
      ...extra,
    });

  it('posts the client-credentials form with the client authenticated by HTTP Basic', async () => {
    const token = await provider().getToken();
    expect(token).toMatchObject({ accessToken: 'tok-1', tokenType: 'Bearer' });
    const [req] = server.requests;
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({
      grant_type: 'client_credentials',
      scope: 'payments:write',
    });
    // RFC 6749 §2.3.1: id and secret are form-encoded before Basic.
    const basic = Buffer.from(String(req.headers.authorization).replace(/^Basic /, ''), 'base64').toString();
    expect(basic).toBe('client+1:s3cr%3At');
  });

  it('can send the credentials in the body instead', async () => {
    await provider({ clientAuth: 'body', scope: '' }).getToken();
    const [req] = server.requests;
    expect(req.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'client 1',
      client_secret: 's3cr:t',
    });
  });

  it('makes one token request however many callers wait for it', async () => {
    const p = provider();
    const tokens = await Promise.all(Array.from({ length: 100 }, () => p.getToken()));
    expect(server.count()).toBe(1);
    expect(new Set(tokens.map((t) => t.accessToken))).toEqual(new Set(['tok-1']));
    expect(p.snapshot().fetchCount).toBe(1);
  });

  it('reuses the token until shortly before it expires, then fetches a new one', async () => {
    let now = 1_000_000;
    const p = provider({ now: () => now });
    expect((await p.getToken()).accessToken).toBe('tok-1');
    const t = await p.getToken();
    expect(t.expiresAt - t.refreshAt).toBe(60_000);
    now = t.refreshAt - 1;
    expect((await p.getToken()).accessToken).toBe('tok-1');
    now = t.refreshAt;
    expect((await p.getToken()).accessToken).toBe('tok-2');
    expect(server.count()).toBe(2);
  });

  it('uses a 10 % margin for short-lived tokens', () => {
    expect(refreshMarginMs(3_600_000)).toBe(60_000);
    expect(refreshMarginMs(100_000)).toBe(10_000);
  });

  it('drops a token only if it is still the current one', async () => {
    const p = provider();
    const first = await p.getToken();
    expect(await p.invalidate(first.accessToken)).toBe(true);
    const second = await p.getToken();
    expect(second.accessToken).toBe('tok-2');
    // A late 401 for the old token must not throw away the new one.
    expect(await p.invalidate(first.accessToken)).toBe(false);
    expect((await p.getToken()).accessToken).toBe('tok-2');
    expect(server.count()).toBe(2);
  });

  it('a caller that gives up does not cancel the fetch for the others', async () => {
    const p = provider();
    const ctrl = new AbortController();
    const quitter = p.getToken(ctrl.signal);
    const stayer = p.getToken();
    ctrl.abort(new Error('client went away'));
    await expect(quitter).rejects.toThrow('client went away');
    await expect(stayer).resolves.toMatchObject({ accessToken: 'tok-1' });
  });

  it.each([
    [400, 'token-rejected'],
    [401, 'token-rejected'],
    [503, 'token-unavailable'],
  ])('a %i from the token endpoint is %s', async (status, outcome) => {
    server.handler = (_req, res) => json(res, status, { error: 'invalid_client' });
    const p = provider();
    const error = await p.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AttemptError);
    expect(error).toMatchObject({ outcome, status });
    expect(p.snapshot()).toMatchObject({
      hasToken: false,
      fetchCount: 1,
      lastError: `token endpoint answered HTTP ${status}`,
    });
  });

  it('rejects an answer without an access token or with a foreign token type', async () => {
    server.handler = (_req, res) => json(res, 200, { token_type: 'bearer' });
    await expect(provider().getToken()).rejects.toMatchObject({ outcome: 'token-rejected' });
    server.handler = (_req, res) => json(res, 200, { access_token: 'x', token_type: 'mac' });
    await expect(provider().getToken()).rejects.toMatchObject({ outcome: 'token-rejected' });
  });

  it('an unreachable token endpoint is retryable', async () => {
    await server.close();
    await expect(provider().getToken()).rejects.toMatchObject({ outcome: 'token-unavailable', retryable: true });
  });

  it('snapshots the token state without the token', async () => {
    const p = provider();
    await p.getToken();
    const snap = p.snapshot();
    expect(snap).toMatchObject({ hasToken: true, fetchCount: 1, lastError: null });
    expect(JSON.stringify(snap)).not.toContain('tok-1');
  });

  it('counts and logs token requests without the token or the secret', async () => {
    const registry = new Registry();
    const logger = new MemoryLogger();
    const p = provider({ registry, logger });
    await p.getToken();
    server.handler = (_req, res) => json(res, 503, {});
    await p.invalidate('tok-1');
    await p.getToken().catch(() => undefined);
    const text = await registry.metrics();
    expect(text).toContain('integration_token_fetches_total{service="payment",outcome="success"} 1');
    expect(text).toContain('integration_token_fetches_total{service="payment",outcome="failure"} 1');
    expect(logger.lines.map((l) => [l.level, l.msg])).toEqual([
      ['info', 'oauth2 token fetched'],
      ['warn', 'oauth2 token request failed'],
    ]);
    expect(JSON.stringify(logger.lines)).not.toMatch(/tok-1|s3cr/);
  });

  it('shares the token through the store (what a Redis store would do across processes)', async () => {
    const store = new InMemoryTokenStore();
    await provider({ store }).getToken();
    const other = provider({ store });
    expect((await other.getToken()).accessToken).toBe('tok-1');
    expect(server.count()).toBe(1);
  });
});

describe('InMemoryTokenStore.lock', () => {
  it('runs holders one at a time and survives a failing holder', async () => {
    const store = new InMemoryTokenStore();
    const order: string[] = [];
    const hold = (name: string, fail = false) =>
      store.lock('k', async () => {
        order.push(`${name}+`);
        await delay(10);
        order.push(`${name}-`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([hold('a'), hold('b', true), hold('c')]);
    expect(order).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
