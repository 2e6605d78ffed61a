import { UpstreamRateLimiter } from './rate-limiter.js';

describe('UpstreamRateLimiter', () => {
  it('never waits when unlimited and not paused', () => {
    const limiter = new UpstreamRateLimiter();
    for (let i = 0; i < 1000; i++) expect(limiter.reserve()).toBe(0);
  });

  it('holds every request until a 429 pause ends', () => {
    let now = 10_000;
    const limiter = new UpstreamRateLimiter({}, () => now);
    limiter.pauseUntil(now + 1500);
    expect(limiter.reserve()).toBe(1500);
    now += 1000;
    expect(limiter.reserve()).toBe(500);
    limiter.pauseUntil(now - 1); // an older, shorter pause never shortens the current one
    expect(limiter.reserve()).toBe(500);
    now += 500;
    expect(limiter.reserve()).toBe(0);
    expect(limiter.snapshot().pausedUntil).toBeNull();
  });

  it('spaces requests beyond the burst at the configured rate', () => {
    let now = 0;
    const limiter = new UpstreamRateLimiter({ ratePerSecond: 10, burst: 2 }, () => now);
    expect([limiter.reserve(), limiter.reserve(), limiter.reserve(), limiter.reserve()]).toEqual([0, 0, 100, 200]);
    limiter.refund();
    expect(limiter.reserve()).toBe(200);
    now += 1000;
    expect(limiter.reserve()).toBe(0);
  });
});
