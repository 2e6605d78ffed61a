import { RetryBudget, RetryPolicy } from './retry-policy.js';
import { AttemptError, statusError } from './upstream-errors.js';

describe('RetryPolicy', () => {
  const serverError = statusError(500, {}, {});

  it('backs off base × 1, 2, 4', () => {
    const policy = new RetryPolicy({ baseDelayMs: 1000, maxRetries: 3, jitter: 0 });
    expect([0, 1, 2].map((i) => policy.backoffMs(i))).toEqual([1000, 2000, 4000]);
  });

  it('adds at most `jitter` of the backoff', () => {
    const max = new RetryPolicy({ baseDelayMs: 1000, maxRetries: 3, random: () => 0.999999 });
    const min = new RetryPolicy({ baseDelayMs: 1000, maxRetries: 3, random: () => 0 });
    expect(max.backoffMs(1)).toBe(2200);
    expect(min.backoffMs(1)).toBe(2000);
  });

  it('retries 5xx until max retries, then says exhausted', () => {
    const policy = new RetryPolicy({ baseDelayMs: 10, maxRetries: 3, jitter: 0 });
    expect(policy.decide(serverError, 0)).toEqual({ retry: true, delayMs: 10 });
    expect(policy.decide(serverError, 2)).toEqual({ retry: true, delayMs: 40 });
    expect(policy.decide(serverError, 3)).toEqual({ retry: false, why: 'exhausted' });
  });

  it.each([400, 401, 403, 404, 409, 422])('never retries %i', (status) => {
    const policy = new RetryPolicy({ baseDelayMs: 10, maxRetries: 3 });
    expect(policy.decide(statusError(status, {}, {}), 0)).toEqual({ retry: false, why: 'not-retryable' });
  });

  it('waits what Retry-After says on a 429, and the backoff when it says nothing', () => {
    const policy = new RetryPolicy({ baseDelayMs: 10, maxRetries: 3, jitter: 0 });
    expect(policy.decide(statusError(429, { 'retry-after': '7' }, {}), 0)).toEqual({ retry: true, delayMs: 7000 });
    expect(policy.decide(statusError(429, {}, {}), 1)).toEqual({ retry: true, delayMs: 20 });
  });

  it('does not retry a bad body', () => {
    const policy = new RetryPolicy({ baseDelayMs: 10, maxRetries: 3 });
    expect(policy.decide(new AttemptError('invalid-response', 'x'), 0).retry).toBe(false);
  });
});

describe('RetryBudget', () => {
  it('allows retries up to ratio × calls', () => {
    let now = 1_000_000;
    const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 0, windowMs: 10_000 }, () => now);
    for (let i = 0; i < 10; i++) budget.recordCall();
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(false);
    expect(budget.snapshot()).toEqual({ calls: 10, retries: 2, denied: 1 });
    now += 500;
    for (let i = 0; i < 5; i++) budget.recordCall();
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(false);
  });

  it('forgets calls and retries that slid out of the window', () => {
    let now = 1_000_000;
    const budget = new RetryBudget({ ratio: 0.5, minPerSecond: 0, windowMs: 1000 }, () => now);
    budget.recordCall();
    budget.recordCall();
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(false);
    now += 1000;
    expect(budget.snapshot()).toMatchObject({ calls: 0, retries: 0 });
    expect(budget.tryAcquire()).toBe(false);
    budget.recordCall();
    budget.recordCall();
    expect(budget.tryAcquire()).toBe(true);
  });

  it('says when the sliding window frees a retry again', () => {
    let now = 1_000_250;
    // Floor: 1 retry per 2 s window (10 buckets of 200 ms); no share of calls.
    const budget = new RetryBudget({ ratio: 0, minPerSecond: 0.5, windowMs: 2000 }, () => now);
    expect(budget.retryAfterMs()).toBe(0);
    expect(budget.tryAcquire()).toBe(true);
    // The retry sits in the bucket that started at 1 000 200: it leaves the window at 1 002 200.
    expect(budget.retryAfterMs()).toBe(1950);
    now += 1000;
    expect(budget.retryAfterMs()).toBe(950);
    now += 950;
    expect(budget.retryAfterMs()).toBe(0);
    expect(budget.tryAcquire()).toBe(true);
  });

  it('counts the calls leaving the window as well as the retries', () => {
    let now = 2_000_000;
    // Half the calls, plus a floor of 1 retry per 1 s window (10 buckets of 100 ms).
    const budget = new RetryBudget({ ratio: 0.5, minPerSecond: 1, windowMs: 1000 }, () => now);
    budget.recordCall();
    budget.recordCall();
    expect([budget.tryAcquire(), budget.tryAcquire()]).toEqual([true, true]);
    now += 500;
    budget.recordCall();
    budget.recordCall();
    expect([budget.tryAcquire(), budget.tryAcquire()]).toEqual([true, false]);
    // When the first bucket leaves (500 ms) 2 calls and 1 retry remain: 2 × 0.5 + 1 allows a second.
    expect(budget.retryAfterMs()).toBe(500);
    // No floor and no calls: no retry will be allowed; the answer is the window's length.
    const none = new RetryBudget({ ratio: 0.5, minPerSecond: 0, windowMs: 1000 }, () => now);
    expect(none.retryAfterMs()).toBe(1000);
  });

  it('keeps a small floor per second so a quiet service can still retry', () => {
    const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 1, windowMs: 3000 }, () => 5_000);
    expect([1, 2, 3, 4].map(() => budget.tryAcquire())).toEqual([true, true, true, false]);
  });
});
