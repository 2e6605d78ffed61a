import { CircuitState } from 'cockatiel';
import { TrackedBreaker } from './circuit-breaker.js';
import { statusError } from './upstream-errors.js';

const fail = (status: number) => () => Promise.reject(statusError(status, {}, {}));
const ok = () => Promise.resolve('ok');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('TrackedBreaker', () => {
  it('opens after N consecutive counted failures and reports the time left', async () => {
    const states: CircuitState[] = [];
    const breaker = new TrackedBreaker({ consecutiveFailures: 2, halfOpenAfterMs: 5000 }, (s) => states.push(s));
    await expect(breaker.execute(fail(500))).rejects.toMatchObject({ status: 500 });
    expect(breaker.stateName).toBe('closed');
    await expect(breaker.execute(fail(502))).rejects.toMatchObject({ status: 502 });
    expect(breaker.stateName).toBe('open');
    expect(breaker.blockedForMs()).toBeGreaterThan(4900);
    expect(breaker.blockedForMs()).toBeLessThanOrEqual(5000);
    expect(states).toEqual([CircuitState.Open]);
  });

  it('4xx answers do not count: the upstream is healthy', async () => {
    const breaker = new TrackedBreaker({ consecutiveFailures: 2, halfOpenAfterMs: 5000 });
    for (let i = 0; i < 5; i++) await expect(breaker.execute(fail(404))).rejects.toMatchObject({ status: 404 });
    expect(breaker.stateName).toBe('closed');
  });

  it('lets one test call through after halfOpenAfter and closes on success', async () => {
    const breaker = new TrackedBreaker({ consecutiveFailures: 1, halfOpenAfterMs: 40 });
    await expect(breaker.execute(fail(500))).rejects.toBeDefined();
    await expect(breaker.execute(ok)).rejects.toThrow(/open/i);
    await sleep(50);
    expect(breaker.blockedForMs()).toBe(0);
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.stateName).toBe('closed');
  });

  it('supports a sampling breaker', async () => {
    const breaker = new TrackedBreaker({
      halfOpenAfterMs: 1000,
      // cockatiel treats minimumRps 0 as unset, hence a tiny positive floor.
      sampling: { threshold: 0.5, durationMs: 10_000, minimumRps: 0.0001 },
    });
    await breaker.execute(ok);
    await expect(breaker.execute(fail(500))).rejects.toBeDefined();
    await expect(breaker.execute(fail(500))).rejects.toBeDefined();
    expect(breaker.stateName).toBe('open');
  });
});
