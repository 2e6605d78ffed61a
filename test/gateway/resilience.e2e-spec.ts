import { performance } from 'node:perf_hooks';
import { UpstreamException } from '../../src/gateway/upstream-errors.js';
import { json, startBlackhole, startUpstream, type FakeUpstream } from './fake-upstream.js';
import { testClock, type TestClock } from '../support/clock.js';
import { waitFor } from '../support/wait.js';
import { GeocodeDto, LENIENT_BREAKERS, TOKYO, closeGateways, failure, makeGateway } from './fixtures.js';

const API = '/v1/geocode';
const get = { method: 'GET', path: API } as const;

describe('gateway breakers, failover and connect timeout', () => {
  const upstreams: FakeUpstream[] = [];
  const start = async (status = 200) => {
    const u = await startUpstream((_req, res) => json(res, status, TOKYO));
    upstreams.push(u);
    return u;
  };
  let clock: TestClock | undefined;
  afterEach(async () => {
    clock?.restore();
    clock = undefined;
    closeGateways();
    await Promise.all(upstreams.splice(0).map((u) => u.close()));
  });

  it('an open service breaker fails fast with 503 + Retry-After and no upstream call, then recovers half-open', async () => {
    // The breakers read Date.now(): on a test clock the half-open time passes when the test says, so the
    // call right after a failed trial is refused however long the machine took to make it.
    clock = testClock();
    const upstream = await start(500);
    const gw = makeGateway([upstream.url], {
      policy: { retryMax: 0 },
      breakers: { ...LENIENT_BREAKERS, service: { consecutiveFailures: 3, halfOpenAfterMs: 300 } },
    });
    for (let i = 0; i < 3; i++) {
      expect(((await failure(() => gw.request(get))) as UpstreamException).getStatus()).toBe(502);
    }
    expect(upstream.count()).toBe(3);

    const open = (await failure(() => gw.request(get))) as UpstreamException;
    expect(open.problem).toMatchObject({
      status: 503,
      type: 'circuit-open',
      headers: { 'Retry-After': '1' },
      extensions: { integration: 'maps' },
    });
    expect(upstream.count()).toBe(3);
    expect(gw.snapshot().circuit.state).toBe('open');

    // Still failing when the test call goes through: open again, still nothing more sent meanwhile.
    clock.advance(299);
    expect(gw.snapshot().circuit.retryAfterMs).toBe(1);
    expect(((await failure(() => gw.request(get))) as UpstreamException).getStatus()).toBe(503);
    expect(upstream.count()).toBe(3);
    clock.advance(1);
    expect(gw.snapshot().circuit.retryAfterMs).toBe(0);
    await failure(() => gw.request(get));
    expect(upstream.count()).toBe(4);
    expect(((await failure(() => gw.request(get))) as UpstreamException).getStatus()).toBe(503);
    expect(upstream.count()).toBe(4);

    upstream.handler = (_req, res) => json(res, 200, TOKYO);
    clock.advance(300);
    expect(gw.snapshot().circuit.retryAfterMs).toBe(0);
    const res = await gw.request({ ...get, responseType: GeocodeDto });
    expect(res.data).toEqual(TOKYO);
    expect(gw.snapshot().circuit.state).toBe('closed');
    await gw.request(get);
    expect(upstream.count()).toBe(6);
  });

  it('with every instance breaker open the call fails fast with 503', async () => {
    const a = await start(500);
    const b = await start(500);
    const gw = makeGateway([a.url, b.url], {
      policy: { retryMax: 1, retryBaseDelayMs: 5 },
      breakers: { ...LENIENT_BREAKERS, instance: { consecutiveFailures: 1, halfOpenAfterMs: 5000 } },
    });
    expect(((await failure(() => gw.request(get))) as UpstreamException).getStatus()).toBe(502);
    expect([a.count(), b.count()]).toEqual([1, 1]);
    const error = (await failure(() => gw.request(get))) as UpstreamException;
    expect(error.problem).toMatchObject({ status: 503, type: 'circuit-open', headers: { 'Retry-After': '5' } });
    expect([a.count(), b.count()]).toEqual([1, 1]);
    expect(gw.snapshot().instances.map((i) => i.circuit)).toEqual(['open', 'open']);
  });

  it('fails over to the second instance and back once health checks pass again', async () => {
    const a = await start(500); // API and /health both fail
    const b = await start(200);
    const gw = makeGateway([a.url, b.url], { policy: { healthCheckIntervalMs: 40 } });

    const first = await gw.request({ ...get, responseType: GeocodeDto });
    expect(first.instance).toBe(b.url);
    expect(first.attempts).toBe(2);
    expect([a.count(API), b.count(API)]).toEqual([1, 1]);
    expect(gw.snapshot().instances[0]).toMatchObject({ healthy: false, lastError: 'HTTP 500' });

    for (let i = 0; i < 4; i++) expect((await gw.request(get)).instance).toBe(b.url);
    expect(a.count(API)).toBe(1);

    await waitFor(() => a.count('/health') >= 1, { what: 'a health check of instance a' });
    expect(gw.snapshot().instances[0].healthy).toBe(false);

    a.handler = (_req, res) => json(res, 200, TOKYO);
    await waitFor(() => gw.snapshot().instances[0].healthy, { what: 'instance a healthy again' });
    const served = [];
    for (let i = 0; i < 4; i++) served.push((await gw.request(get)).instance);
    expect(served.filter((u) => u === a.url)).toHaveLength(2);
    expect(served.filter((u) => u === b.url)).toHaveLength(2);
  });

  describe('connect timeout', () => {
    let blackhole: { url: string; close(): Promise<void> };
    beforeEach(async () => {
      blackhole = await startBlackhole();
    });
    afterEach(() => blackhole.close());

    it('gives up on a handshake that never completes after the connect timeout, not the read timeout', async () => {
      const gw = makeGateway([blackhole.url], {
        // Read timeout and deadline far past the test's own timeout: only the connect timeout can end it.
        policy: { connectTimeoutMs: 150, readTimeoutMs: 600_000, totalTimeoutMs: 600_000, retryMax: 0 },
      });
      const started = performance.now();
      const error = (await failure(() => gw.request(get))) as UpstreamException;
      const elapsed = performance.now() - started;
      expect(error).toBeInstanceOf(UpstreamException);
      expect(error.reason).toBe('connect-timeout');
      expect(error.problem).toMatchObject({ status: 502, params: { reason: 'connect timeout' } });
      // Never before the connect timeout; which timer ended it is the reason above, not a time window.
      expect(elapsed).toBeGreaterThanOrEqual(145);
    });

    it('fails over from an instance that cannot be reached', async () => {
      const good = await start(200);
      const gw = makeGateway([blackhole.url, good.url], {
        policy: { connectTimeoutMs: 100, retryBaseDelayMs: 5 },
      });
      const res = await gw.request(get);
      expect(res).toMatchObject({ instance: good.url, attempts: 2 });
      expect(gw.snapshot().instances[0]).toMatchObject({ healthy: false, lastError: 'connect timeout' });
    });
  });
});
