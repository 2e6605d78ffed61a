import { TrackedBreaker } from './circuit-breaker.js';
import { InstancePool, LatencyWindow } from './instance-pool.js';
import { statusError } from './upstream-errors.js';

const breaker = { consecutiveFailures: 2, halfOpenAfterMs: 60_000 };
const pool = (n: number, probe?: (url: string) => Promise<boolean>, healthCheckIntervalMs = 0) =>
  new InstancePool({
    urls: Array.from({ length: n }, (_, i) => `http://127.0.0.1:${9000 + i}/`),
    breaker,
    probe,
    healthCheckIntervalMs,
  });
const urls = (p: InstancePool, k: number) => Array.from({ length: k }, () => p.pick()?.url);

describe('InstancePool', () => {
  it('strips trailing slashes and refuses an empty list', () => {
    expect(pool(1).instances[0].url).toBe('http://127.0.0.1:9000');
    expect(() => pool(0)).toThrow(/at least one/);
  });

  it('round-robins over healthy instances', () => {
    const p = pool(3);
    expect(urls(p, 6).map((u) => u?.slice(-4))).toEqual(['9000', '9001', '9002', '9000', '9001', '9002']);
  });

  it('demotes an instance on a failure that ejects, and skips it while others are healthy', () => {
    const p = pool(3);
    const [a] = p.instances;
    p.record(a, 'server-error', true, 5, 'HTTP 500');
    expect(a.healthy).toBe(false);
    expect(urls(p, 4).map((u) => u?.slice(-4))).toEqual(['9001', '9002', '9001', '9002']);
  });

  it('does not eject on a client error', () => {
    const p = pool(2);
    p.record(p.instances[0], 'client-error', false, 5);
    expect(p.instances[0].healthy).toBe(true);
    expect(p.instances[0].errors).toBe(1);
  });

  it('prefers an instance this call has not tried yet', () => {
    const p = pool(2);
    const [a, b] = p.instances;
    expect(p.pick(new Set([a]))).toBe(b);
    expect(p.pick(new Set([a]))).toBe(b);
    expect(p.pick(new Set([a, b]))).toBeDefined();
  });

  it('still routes when every instance is demoted by failed attempts, preferring untried ones', () => {
    const p = pool(2);
    const [a, b] = p.instances;
    p.record(a, 'connection-error', true, 1);
    p.record(b, 'connection-error', true, 1);
    expect(p.pick(new Set([a]))).toBe(b);
  });

  it('never picks an instance whose breaker is open, and says when one reopens', async () => {
    const p = pool(2);
    const [a, b] = p.instances;
    for (let i = 0; i < 2; i++) await a.breaker.execute(() => Promise.reject(statusError(500, {}, {}))).catch(() => 0);
    expect(a.breaker.stateName).toBe('open');
    expect(urls(p, 3)).toEqual([b.url, b.url, b.url]);
    for (let i = 0; i < 2; i++) await b.breaker.execute(() => Promise.reject(statusError(500, {}, {}))).catch(() => 0);
    expect(p.pick()).toBeUndefined();
    expect(p.retryAfterMs()).toBeGreaterThan(59_000);
  });

  it('a success re-admits an ejected instance', () => {
    const p = pool(1);
    const [a] = p.instances;
    p.record(a, 'read-timeout', true, 30);
    p.record(a, 'success', false, 12);
    expect(a.healthy).toBe(true);
    expect(a.consecutiveErrors).toBe(0);
  });

  it('health checks eject and re-admit instances', async () => {
    const up = new Set(['http://127.0.0.1:9000']);
    const p = pool(2, (url) => Promise.resolve(up.has(url)));
    await p.checkHealth();
    expect(p.instances.map((i) => i.healthy)).toEqual([true, false]);
    up.add('http://127.0.0.1:9001');
    await p.checkHealth();
    expect(p.instances.map((i) => i.healthy)).toEqual([true, true]);
    expect(p.snapshot()[1].lastHealthCheckAt).not.toBeNull();
  });

  it('a failed health check ejects: no call goes to the instance, even with every instance out', async () => {
    const p = new InstancePool({
      urls: ['http://127.0.0.1:9000', 'http://127.0.0.1:9001'],
      breaker,
      ejectionMs: 5000,
      probe: (url) => Promise.resolve(url.endsWith('9001')),
    });
    const [a, b] = p.instances;
    await p.checkHealth();
    expect(p.snapshot().map((i) => [i.healthy, i.ejected])).toEqual([
      [false, true],
      [true, false],
    ]);
    const now = Date.now();
    expect([p.pick(undefined, now), p.pick(new Set([b]), now)]).toEqual([b, b]);
    p.record(b, 'connection-error', true, 1);
    // b is only demoted by the failed attempt: still called (nothing better), a still not.
    expect(p.pick(undefined, now)).toBe(b);
    expect(a.ejected).toBe(true);
    expect(p.retryAfterMs(now)).toBe(0);
  });

  it('an ejected instance takes one trial call per ejection period; a success readmits it', () => {
    const p = new InstancePool({ urls: ['http://127.0.0.1:9000'], breaker, ejectionMs: 1000 });
    const [a] = p.instances;
    a.healthy = false;
    a.ejected = true;
    a.readmitAt = 5000;
    expect(p.pick(undefined, 4000)).toBeUndefined();
    expect(p.retryAfterMs(4000)).toBe(1000);
    expect(p.pick(undefined, 5000)).toBe(a);
    // The trial is in flight (or failed): the next one waits another period.
    expect(p.pick(undefined, 5500)).toBeUndefined();
    expect(p.retryAfterMs(5500)).toBe(500);
    p.record(a, 'success', false, 3);
    expect([a.healthy, a.ejected]).toEqual([true, false]);
    expect(p.pick(undefined, 5500)).toBe(a);
  });

  it('the health check of an instance whose breaker is open and due is its test call: a pass closes it', async () => {
    const fast = { consecutiveFailures: 1, halfOpenAfterMs: 30 };
    const service = new TrackedBreaker(fast);
    let up = false;
    const p = new InstancePool({
      urls: ['http://127.0.0.1:9000'],
      breaker: fast,
      serviceBreaker: service,
      probe: () => Promise.resolve(up),
    });
    const [a] = p.instances;
    const fail = () => Promise.reject(statusError(500, {}, {}));
    await service.execute(() => a.breaker.execute(fail)).catch(() => 0);
    expect([a.breaker.stateName, service.stateName]).toEqual(['open', 'open']);
    await p.checkHealth(); // not due yet: plain probe, failing
    expect([a.breaker.stateName, service.stateName, a.ejected]).toEqual(['open', 'open', true]);
    await new Promise((r) => setTimeout(r, 40));
    await p.checkHealth(); // due, still failing: both stay open (the breaker's test call failed)
    expect([a.breaker.stateName, service.stateName]).toEqual(['open', 'open']);
    up = true;
    await new Promise((r) => setTimeout(r, 40));
    await p.checkHealth();
    expect([a.breaker.stateName, service.stateName]).toEqual(['closed', 'closed']);
    expect(p.snapshot()[0]).toMatchObject({ healthy: true, ejected: false, circuit: 'closed' });
  });

  it('runs health checks on its interval until stopped', async () => {
    let probes = 0;
    const p = pool(1, () => Promise.resolve(++probes > 0), 20);
    p.start();
    const deadline = Date.now() + 2000; // generous: timers run late on a loaded machine
    while (probes < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    p.stop();
    const seen = probes;
    expect(seen).toBeGreaterThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 100));
    expect(probes).toBe(seen);
  });

  it('snapshots health, breaker, latency and errors', () => {
    const p = pool(1);
    const [a] = p.instances;
    for (const ms of [10, 20, 30, 40]) p.record(a, 'success', false, ms);
    p.record(a, 'server-error', true, 99, 'HTTP 503');
    expect(p.snapshot()[0]).toMatchObject({
      url: 'http://127.0.0.1:9000',
      healthy: false,
      circuit: 'closed',
      requests: 5,
      errors: 1,
      lastError: 'HTTP 503',
      latency: { p50Ms: 20, p95Ms: 40, samples: 4 },
    });
  });
});

describe('LatencyWindow', () => {
  it('keeps the last 128 samples and an EWMA', () => {
    const w = new LatencyWindow();
    for (let i = 1; i <= 200; i++) w.record(i);
    expect(w.percentiles()).toEqual({ p50Ms: 136, p95Ms: 194, samples: 128 });
    expect(w.ewmaMs).toBeGreaterThan(190);
  });
});
