import { CircuitState } from 'cockatiel';
import { TrackedBreaker } from './circuit-breaker.js';
import { testClock, type TestClock } from '../../test/support/clock.js';
import { statusError } from './upstream-errors.js';

const fail = (status: number) => () => Promise.reject(statusError(status, {}, {}));
const ok = () => Promise.resolve('ok');

describe('TrackedBreaker', () => {
  let testClockInUse: TestClock | undefined;
  afterEach(() => {
    testClockInUse?.restore();
    testClockInUse = undefined;
  });

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

  it.each([
    ['a connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['a read timeout', Object.assign(new Error('timeout of 50ms exceeded'), { code: 'ECONNABORTED' })],
  ])('counts %s thrown raw (as axios throws it), classified as the retry loop does', async (_what, raw) => {
    const breaker = new TrackedBreaker({ consecutiveFailures: 2, halfOpenAfterMs: 5000 });
    const thrown = () => Promise.reject(raw);
    await expect(breaker.execute(thrown)).rejects.toMatchObject({ name: 'AttemptError', breakerFailure: true });
    await expect(breaker.execute(thrown)).rejects.toBeDefined();
    expect(breaker.stateName).toBe('open');
  });

  it('an aborted call does not count', async () => {
    const breaker = new TrackedBreaker({ consecutiveFailures: 1, halfOpenAfterMs: 5000 });
    const ctrl = new AbortController();
    ctrl.abort(new Error('client went away'));
    const canceled = () => Promise.reject(Object.assign(new Error('canceled'), { code: 'ERR_CANCELED' }));
    await expect(breaker.execute(canceled, ctrl.signal)).rejects.toMatchObject({ outcome: 'aborted' });
    expect(breaker.stateName).toBe('closed');
  });

  it('4xx answers do not count: the upstream is healthy', async () => {
    const breaker = new TrackedBreaker({ consecutiveFailures: 2, halfOpenAfterMs: 5000 });
    for (let i = 0; i < 5; i++) await expect(breaker.execute(fail(404))).rejects.toMatchObject({ status: 404 });
    expect(breaker.stateName).toBe('closed');
  });

  it('lets one test call through after halfOpenAfter and closes on success', async () => {
    // The breaker reads Date.now(): on a test clock "still open" cannot turn into "half-open" under load.
    const clock = (testClockInUse = testClock());
    const breaker = new TrackedBreaker({ consecutiveFailures: 1, halfOpenAfterMs: 40 });
    await expect(breaker.execute(fail(500))).rejects.toBeDefined();
    clock.advance(39);
    expect(breaker.blockedForMs()).toBe(1);
    await expect(breaker.execute(ok)).rejects.toThrow(/open/i);
    clock.advance(1);
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
