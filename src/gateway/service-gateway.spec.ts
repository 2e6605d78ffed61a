import { Registry } from 'prom-client';
import { MemoryLogger, json, startUpstream, type FakeUpstream } from '../../test/gateway/fake-upstream.js';
import { GeocodeDto, TOKYO, closeGateways, failure, makeGateway } from '../../test/gateway/fixtures.js';
import { waitFor } from '../../test/support/wait.js';
import { ApiKeyAuth } from './auth-strategies.js';
import { UpstreamException } from './upstream-errors.js';

describe('ServiceGateway', () => {
  let upstream: FakeUpstream;
  beforeEach(async () => {
    upstream = await startUpstream((_req, res) => json(res, 200, { ...TOKYO, extra: 'dropped' }));
  });
  afterEach(async () => {
    closeGateways();
    await upstream.close();
  });

  it('returns the validated DTO, stripped of what the DTO does not declare', async () => {
    const gw = makeGateway([upstream.url]);
    const res = await gw.request({
      method: 'GET',
      path: '/v1/geocode',
      query: { address: 'Tokyo' },
      responseType: GeocodeDto,
    });
    expect(res.data).toBeInstanceOf(GeocodeDto);
    expect(res.data).toEqual(TOKYO);
    expect(res).toMatchObject({ status: 200, attempts: 1, instance: upstream.url, cached: false });
    expect(upstream.requests[0].url).toBe('/v1/geocode?address=Tokyo');
    expect(upstream.requests[0].headers.accept).toBe('application/json');
  });

  it('an invalid body is a 502 naming the integration, never passed on, never retried', async () => {
    upstream.handler = (_req, res) => json(res, 200, { address: 'Tokyo', lat: 'north' });
    const gw = makeGateway([upstream.url]);
    const error = await failure(() => gw.request({ method: 'GET', path: '/v1/geocode', responseType: GeocodeDto }));
    expect(error).toBeInstanceOf(UpstreamException);
    expect((error as UpstreamException).problem).toMatchObject({
      status: 502,
      type: 'upstream-error',
      extensions: { integration: 'maps' },
    });
    expect(String((error as UpstreamException).problem.params?.reason)).toMatch(/lat must be a number/);
    expect(upstream.count()).toBe(1);
  });

  it('a body that is not JSON is a bad answer too', async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html>maintenance</html>');
    };
    const gw = makeGateway([upstream.url]);
    const error = await failure(() => gw.request({ method: 'GET', path: '/v1/geocode', responseType: GeocodeDto }));
    expect((error as UpstreamException).reason).toBe('invalid-response');
  });

  it('passes an unvalidated body through when no DTO is given', async () => {
    upstream.handler = (_req, res) => json(res, 202, { id: 'msg_1', status: 'queued' });
    const gw = makeGateway([upstream.url]);
    const res = await gw.request({ method: 'POST', path: '/v1/messages', body: { to: 'a@b.c' } });
    expect(res).toMatchObject({ status: 202, data: { id: 'msg_1', status: 'queued' } });
    expect(JSON.parse(upstream.requests[0].body)).toEqual({ to: 'a@b.c' });
  });

  it('generates an Idempotency-Key for a POST and keeps the caller’s; none for a GET', async () => {
    const gw = makeGateway([upstream.url]);
    await gw.request({ method: 'POST', path: '/v1/messages' });
    await gw.request({ method: 'POST', path: '/v1/messages', idempotencyKey: 'order-42' });
    await gw.request({ method: 'GET', path: '/v1/geocode' });
    const keys = upstream.requests.map((r) => r.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe('order-42');
    expect(keys[2]).toBeUndefined();
  });

  it('logs each attempt once, without credentials or the query string', async () => {
    let n = 0;
    upstream.handler = (_req, res) => (++n === 1 ? json(res, 503, {}) : json(res, 200, TOKYO));
    const logger = new MemoryLogger();
    const gw = makeGateway([upstream.url], { logger, auth: new ApiKeyAuth('very-secret-key') });
    await gw.request({ method: 'GET', path: '/v1/geocode?address=Secret%20Street', responseType: GeocodeDto });
    expect(upstream.requests.map((r) => r.headers['x-api-key'])).toEqual(['very-secret-key', 'very-secret-key']);
    const attempts = logger.attempts();
    expect(attempts).toHaveLength(2);
    expect(attempts[0]).toMatchObject({
      integration: 'maps',
      instance: upstream.url,
      attempt: 1,
      outcome: 'server-error',
      status: 503,
      path: '/v1/geocode',
    });
    expect(attempts[1]).toMatchObject({ attempt: 2, outcome: 'success', status: 200 });
    expect(typeof attempts[1].latencyMs).toBe('number');
    const everything = JSON.stringify(logger.lines);
    expect(everything).not.toContain('very-secret-key');
    expect(everything).not.toMatch(/authorization|Secret%20Street/i);
  });

  it('reports once per retried call whether the retries recovered it', async () => {
    const outcomes: boolean[] = [];
    upstream.handler = (req, res) => {
      if (req.path === '/flaky') return json(res, upstream.count('/flaky') === 1 ? 500 : 200, TOKYO);
      if (req.path === '/down') return json(res, 500, {});
      return json(res, 200, TOKYO);
    };
    const gw = makeGateway([upstream.url], { onRetryOutcome: (r) => outcomes.push(r), policy: { retryMax: 2 } });
    await gw.request({ method: 'GET', path: '/ok' });
    await gw.request({ method: 'GET', path: '/flaky' });
    await failure(() => gw.request({ method: 'GET', path: '/down' }));
    expect(outcomes).toEqual([true, false]);
  });

  it('records calls, attempts and retries in the registry', async () => {
    let n = 0;
    upstream.handler = (_req, res) => json(res, ++n === 1 ? 502 : 200, TOKYO);
    const registry = new Registry();
    const gw = makeGateway([upstream.url], { registry });
    await gw.request({ method: 'GET', path: '/v1/geocode' });
    const text = await registry.metrics();
    expect(text).toContain('integration_calls_total{service="maps",outcome="success"} 1');
    expect(text).toContain(
      `integration_attempts_total{service="maps",instance="${upstream.url}",outcome="server-error"} 1`,
    );
    expect(text).toContain(`integration_attempts_total{service="maps",instance="${upstream.url}",outcome="success"} 1`);
    expect(text).toContain('integration_retries_total{service="maps",reason="server-error"} 1');
    expect(text).toContain('integration_circuit_state{service="maps",instance="service"} 0');
    expect(text).toContain(`integration_circuit_state{service="maps",instance="${upstream.url}"} 0`);
  });

  it('gives up at once when the caller aborts, with the caller’s reason', async () => {
    // Never answered, read timeout and deadline far off: only the caller's abort can end the call.
    upstream.handler = () => undefined;
    const gw = makeGateway([upstream.url], { policy: { readTimeoutMs: 600_000, totalTimeoutMs: 600_000 } });
    const ctrl = new AbortController();
    const call = failure(() => gw.request({ method: 'GET', path: '/v1/geocode', signal: ctrl.signal }));
    await waitFor(() => upstream.count() === 1, { what: 'the request at the upstream' });
    ctrl.abort(new Error('client disconnected'));
    expect(await call).toEqual(new Error('client disconnected'));
    expect(upstream.count()).toBe(1);
  });

  it('snapshots the integration for /api/v1/integrations', async () => {
    const gw = makeGateway([upstream.url], { auth: new ApiKeyAuth('k') });
    await gw.request({ method: 'GET', path: '/v1/geocode' });
    expect(gw.snapshot()).toMatchObject({
      name: 'maps',
      auth: { kind: 'api-key' },
      circuit: { state: 'closed', retryAfterMs: 0 },
      instances: [{ url: upstream.url, healthy: true, circuit: 'closed', requests: 1, errors: 0 }],
      rateLimit: { pausedUntil: null },
      retryBudget: { calls: 1, retries: 0 },
    });
  });
});
