import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisPauseBus } from '../../src/gateway/redis-pause-bus.js';
import { UpstreamRateLimiter } from '../../src/gateway/rate-limiter.js';
import { waitFor } from '../support/wait.js';

const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** One "instance": a limiter whose local 429 pauses are published, and remote ones applied. */
async function instance(prefix: string, clients: Redis[]) {
  const redis = new Redis(url);
  const sub = new Redis(url);
  clients.push(redis);
  const bus = new RedisPauseBus(redis, sub, prefix);
  const limiter = new UpstreamRateLimiter({ onPause: (until) => bus.publish('maps', until) });
  await bus.register('maps', (until) => limiter.pauseUntil(until, { shared: false }));
  return { bus, limiter };
}

describe('RedisPauseBus (a 429 pauses the service on every instance)', () => {
  const prefix = `t_${randomBytes(4).toString('hex')}:`;
  const clients: Redis[] = [];
  const buses: RedisPauseBus[] = [];
  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close()));
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('applies a pause decided by one instance on the others, and on one that starts later', async () => {
    const a = await instance(prefix, clients);
    const b = await instance(prefix, clients);
    buses.push(a.bus, b.bus);
    expect(b.limiter.reserve()).toBe(0);
    // A pause far longer than any wait here, so "still paused" never depends on the machine's speed.
    a.limiter.pauseUntil(Date.now() + 60_000);
    await waitFor(() => b.limiter.reserve() > 0, { what: 'the pause to reach instance b', timeoutMs: 5000 });
    expect(b.limiter.reserve()).toBeGreaterThan(30_000);
    const late = await instance(prefix, clients);
    buses.push(late.bus);
    expect(late.limiter.reserve()).toBeGreaterThan(30_000);
  });
});
