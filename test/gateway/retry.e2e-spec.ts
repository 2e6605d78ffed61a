import { performance } from 'node:perf_hooks';
import type { ServiceGateway } from '../../src/gateway/index.js';
import { UpstreamException } from '../../src/gateway/upstream-errors.js';
import { ApiKeyAuth } from '../../src/gateway/auth-strategies.js';
import { gaps, json, MemoryLogger, startUpstream, type FakeUpstream } from './fake-upstream.js';
import { waitFor } from '../support/wait.js';
import { GeocodeDto, TOKYO, closeGateways, failure, makeGateway } from './fixtures.js';

const BASE = 40;

/** Records the wait of every retry the gateway decides (the decided value, not a measured gap). */
function decidedWaits(gw: ServiceGateway): Array<{ delayMs: number; retryAfterMs?: number; at: number }> {
  const decided: Array<{ delayMs: number; retryAfterMs?: number; at: number }> = [];
  const retry = gw['retry'];
  const decide = retry.decide.bind(retry);
  retry.decide = (error, retriesSoFar) => {
    const decision = decide(error, retriesSoFar);
    if (decision.retry) decided.push({ delayMs: decision.delayMs, retryAfterMs: error.retryAfterMs, at: Date.now() });
    return decision;
  };
  return decided;
}

describe('gateway retries against a real upstream', () => {
  let upstream: FakeUpstream;
  beforeEach(async () => {
    upstream = await startUpstream((_req, res) => json(res, 200, TOKYO));
  });
  afterEach(async () => {
    closeGateways();
    await upstream.close();
  });

  it('retries 5xx after base × 1, 2, 4', async () => {
    upstream.handler = (_req, res) => (upstream.count() <= 3 ? json(res, 500, {}) : json(res, 200, TOKYO));
    const gw = makeGateway([upstream.url], { policy: { retryBaseDelayMs: BASE } });
    // The waits the gateway decided on, exactly; the gaps the upstream saw are those waits plus the
    // round trips, which a loaded machine stretches without bound, so they are bounded from below only.
    const waits = decidedWaits(gw);
    const res = await gw.request({ method: 'GET', path: '/v1/geocode', responseType: GeocodeDto });
    expect(res.attempts).toBe(4);
    const decided = waits.map((d) => d.delayMs);
    expect(decided).toEqual([BASE, 2 * BASE, 4 * BASE]);
    const seen = gaps(upstream.requests);
    expect(seen).toHaveLength(3);
    decided.forEach((wait, i) => expect(seen[i]).toBeGreaterThanOrEqual(wait - 2));
  });

  it('stops after RETRY_MAX retries with a 502 naming the integration', async () => {
    upstream.handler = (_req, res) => json(res, 503, { error: 'down' });
    const gw = makeGateway([upstream.url], { policy: { retryBaseDelayMs: 5, retryMax: 3 } });
    const error = (await failure(() => gw.request({ method: 'GET', path: '/v1/geocode' }))) as UpstreamException;
    expect(upstream.count()).toBe(4);
    expect(error.problem).toMatchObject({
      status: 502,
      type: 'upstream-error',
      extensions: { integration: 'maps' },
      params: { integration: 'maps', reason: 'HTTP 503 after 4 attempts' },
    });
    expect(error).toMatchObject({ reason: 'retries-exhausted', upstreamStatus: 503, attempts: 4 });
  });

  it('retries a dropped connection and a read timeout', async () => {
    upstream.handler = (_req, res) => {
      const n = upstream.count();
      if (n === 1) return void res.socket?.destroy();
      // Never answered (closed with the upstream): only the read timeout ends the second attempt.
      if (n === 2) return;
      json(res, 200, TOKYO);
    };
    const gw = makeGateway([upstream.url], { policy: { retryBaseDelayMs: 5, readTimeoutMs: 100 } });
    const res = await gw.request({ method: 'GET', path: '/v1/geocode', responseType: GeocodeDto });
    expect(res.attempts).toBe(3);
    expect(upstream.count()).toBe(3);
  });

  it('waits what Retry-After says in seconds on a 429', async () => {
    upstream.handler = (_req, res) =>
      upstream.count() === 1 ? json(res, 429, {}, { 'Retry-After': '1' }) : json(res, 200, TOKYO);
    const gw = makeGateway([upstream.url], { policy: { retryBaseDelayMs: BASE } });
    const decided = decidedWaits(gw);
    await gw.request({ method: 'GET', path: '/v1/geocode' });
    expect(decided.map((d) => d.delayMs)).toEqual([1000]);
    // A wait never ends early; how late it ends is the machine's load, so no upper bound.
    const [gap] = gaps(upstream.requests);
    expect(gap).toBeGreaterThanOrEqual(1000 - 2);
  });

  it('waits until the HTTP-date Retry-After gives on a 429', async () => {
    let date = '';
    let answeredAt = 0;
    upstream.handler = (_req, res) => {
      if (upstream.count() > 1) return json(res, 200, TOKYO);
      answeredAt = Date.now();
      date = new Date(answeredAt + 2000).toUTCString(); // whole seconds: 1-2 s from now
      json(res, 429, {}, { 'Retry-After': date });
    };
    const gw = makeGateway([upstream.url], { policy: { retryBaseDelayMs: BASE } });
    const decided = decidedWaits(gw);
    await gw.request({ method: 'GET', path: '/v1/geocode' });
    expect(upstream.count()).toBe(2);
    // The wait is the one Retry-After gave: until that date, as measured when the 429 arrived, which is
    // after the upstream sent it and before the gateway decided (bounds that hold however late it runs).
    const [{ delayMs, retryAfterMs, at }] = decided;
    expect(delayMs).toBe(retryAfterMs);
    expect(Date.parse(date) - delayMs).toBeGreaterThanOrEqual(answeredAt);
    expect(Date.parse(date) - delayMs).toBeLessThanOrEqual(at);
    expect(upstream.requests[1].at - upstream.requests[0].at).toBeGreaterThanOrEqual(delayMs - 2);
  });

  it('fails fast with 503 + Retry-After when Retry-After is past the deadline', async () => {
    upstream.handler = (_req, res) => json(res, 429, {}, { 'Retry-After': '120' });
    const gw = makeGateway([upstream.url], { policy: { totalTimeoutMs: 2000 } });
    const error = (await failure(() => gw.request({ method: 'GET', path: '/v1/geocode' }))) as UpstreamException;
    // Had it waited, the 2 s deadline would have ended the call as a 504; a 503 rate-limited means it did not.
    expect(error).toMatchObject({ reason: 'rate-limited', attempts: 1 });
    expect(upstream.count()).toBe(1);
    expect(error.problem).toMatchObject({
      status: 503,
      headers: { 'Retry-After': '120' },
      extensions: { integration: 'maps' },
    });
  });

  it('a 429 pauses every call to the service until its Retry-After', async () => {
    upstream.handler = (req, res) =>
      req.path === '/first' && upstream.count('/first') === 1
        ? json(res, 429, {}, { 'Retry-After': '1' })
        : json(res, 200, TOKYO);
    const gw = makeGateway([upstream.url]);
    const first = gw.request({ method: 'GET', path: '/first' });
    await waitFor(() => gw.snapshot().rateLimit.pausedUntil !== null, { what: 'the 429 to pause the service' });
    const second = gw.request({ method: 'GET', path: '/second' });
    await Promise.all([first, second]);
    const paused = upstream.requests[0].at;
    const secondAt = upstream.requests.find((r) => r.path === '/second')?.at ?? 0;
    expect(secondAt - paused).toBeGreaterThanOrEqual(990);
  });

  it.each([400, 401, 403, 404, 409, 422])('never retries a %i and exposes the status', async (status) => {
    upstream.handler = (_req, res) => json(res, status, { error: 'no' });
    const gw = makeGateway([upstream.url], { auth: new ApiKeyAuth('k') });
    const error = (await failure(() => gw.request({ method: 'GET', path: '/v1/geocode' }))) as UpstreamException;
    expect(upstream.count()).toBe(1);
    expect(error).toBeInstanceOf(UpstreamException);
    expect(error.getStatus()).toBe(502);
    expect(error).toMatchObject({ upstreamStatus: status, upstreamBody: { error: 'no' }, attempts: 1 });
  });

  it('one deadline spans every attempt and wait: 504 when it passes', async () => {
    // The first attempt fails at once, the second is never answered and the read timeout is far off:
    // only the call's deadline, counted from the call's start, can end it. A late timer only moves when.
    upstream.handler = (_req, res) => (upstream.count() === 1 ? json(res, 503, {}) : undefined);
    const gw = makeGateway([upstream.url], {
      policy: { readTimeoutMs: 600_000, retryBaseDelayMs: 10, totalTimeoutMs: 2500 },
    });
    const started = performance.now();
    const error = (await failure(() => gw.request({ method: 'GET', path: '/v1/geocode' }))) as UpstreamException;
    const elapsed = performance.now() - started;
    expect(error.problem).toMatchObject({ status: 504, type: 'upstream-timeout', extensions: { integration: 'maps' } });
    expect(error).toMatchObject({ reason: 'deadline', attempts: 2 });
    // Never before the deadline.
    expect(elapsed).toBeGreaterThanOrEqual(2495);
    expect(upstream.count()).toBe(2);
  });

  it('the time already spent counts against the deadline: a retry that would pass it is not made', async () => {
    // The first attempt is answered 503 once at least 600 ms of the 10 s deadline are spent; the 9.5 s
    // backoff would then end past the deadline, so the gateway fails at once (a late machine only spends
    // more). A deadline restarted per attempt, or not counting the first attempt, would wait and retry.
    upstream.handler = async (_req, res) => {
      await waitFor(() => performance.now() - started >= 600, { what: '600 ms of the call spent' });
      json(res, 503, {});
    };
    const gw = makeGateway([upstream.url], {
      policy: { readTimeoutMs: 600_000, retryBaseDelayMs: 9500, totalTimeoutMs: 10_000 },
    });
    const waits = decidedWaits(gw);
    const started = performance.now();
    const error = (await failure(() => gw.request({ method: 'GET', path: '/v1/geocode' }))) as UpstreamException;
    expect(error).toMatchObject({ attempts: 1, upstreamStatus: 503 });
    expect(error.problem).toMatchObject({
      status: 502,
      params: { reason: 'next retry would pass the deadline (last: HTTP 503)' },
    });
    // The backoff was decided, then not waited: the one request is all the upstream saw.
    expect(waits.map((w) => w.delayMs)).toEqual([9500]);
    expect(upstream.count()).toBe(1);
  });

  it('an upstream that never answers is cut at the deadline, not the read timeout', async () => {
    upstream.handler = () => undefined;
    // The read timeout is far past the test's own timeout: the reason says which timer ended the call.
    const gw = makeGateway([upstream.url], { policy: { readTimeoutMs: 600_000, totalTimeoutMs: 150 } });
    const started = performance.now();
    const error = (await failure(() => gw.request({ method: 'GET', path: '/v1/geocode' }))) as UpstreamException;
    expect(error).toMatchObject({ reason: 'deadline', attempts: 1 });
    expect(error.getStatus()).toBe(504);
    // Never before the deadline.
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('a retried POST carries the same Idempotency-Key, body and request id', async () => {
    upstream.handler = (_req, res) =>
      upstream.count() < 3 ? json(res, 503, {}) : json(res, 201, { id: 'pay_1', status: 'pending' });
    const logger = new MemoryLogger();
    const gw = makeGateway([upstream.url], { policy: { retryBaseDelayMs: 5 }, logger });
    const body = { amount: 1200, currency: 'JPY', reference: 'r-1' };
    const res = await gw.request({ method: 'POST', path: '/v1/payments', body, requestId: 'req_abc' });
    expect(res.status).toBe(201);
    const keys = upstream.requests.map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toBeTruthy();
    expect(upstream.requests.map((r) => JSON.parse(r.body) as unknown)).toEqual([body, body, body]);
    expect(upstream.requests.map((r) => r.headers['x-request-id'])).toEqual(['req_abc', 'req_abc', 'req_abc']);
    expect(logger.attempts().map((a) => [a.attempt, a.requestId])).toEqual([
      [1, 'req_abc'],
      [2, 'req_abc'],
      [3, 'req_abc'],
    ]);
  });

  it('the retry budget limits attempts when everything fails', async () => {
    upstream.handler = (_req, res) => json(res, 500, {});
    const gw = makeGateway([upstream.url], {
      policy: { retryBaseDelayMs: 2, retryMax: 3 },
      retryBudget: { ratio: 0.2, minPerSecond: 0, windowMs: 10_000 },
    });
    const errors: UpstreamException[] = [];
    for (let i = 0; i < 30; i++) {
      errors.push((await failure(() => gw.request({ method: 'GET', path: '/v1/geocode' }))) as UpstreamException);
    }
    // Without the budget: 30 × 4 = 120 attempts. With it: 30 calls + at most 20 % retries.
    expect(upstream.count()).toBeGreaterThanOrEqual(30);
    expect(upstream.count()).toBeLessThanOrEqual(36);
    expect(errors.filter((e) => e.reason === 'retry-budget').length).toBeGreaterThan(20);
    expect(gw.snapshot().retryBudget.denied).toBeGreaterThan(20);
  });
});
