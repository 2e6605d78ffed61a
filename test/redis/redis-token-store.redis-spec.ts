import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisTokenStore } from '../../src/gateway/redis-token-store.js';
import { waitFor } from '../support/wait.js';

const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('RedisTokenStore (shared by instances)', () => {
  const prefix = `t_${randomBytes(4).toString('hex')}:`;
  const clients: Redis[] = [];
  const store = () => {
    const redis = new Redis(url);
    clients.push(redis);
    return new RedisTokenStore(redis, { prefix, pollMs: 5 });
  };
  afterAll(async () => {
    const [first] = clients;
    const keys = await first.keys(`${prefix}*`);
    if (keys.length) await first.del(...keys);
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('shares a token between stores and expires it with the token', async () => {
    const a = store();
    const b = store();
    const token = {
      accessToken: 'tok-1',
      tokenType: 'Bearer',
      expiresAt: Date.now() + 300,
      refreshAt: Date.now() + 200,
    };
    await a.set('payment', token);
    expect(await b.get('payment')).toEqual(token);
    await waitFor(async () => (await b.get('payment')) === undefined, {
      what: 'the token to leave the store at its expiry',
      timeoutMs: 5000,
    });
    // Gone with its TTL, never before the token expired.
    expect(Date.now()).toBeGreaterThanOrEqual(token.expiresAt - 2);
  });

  it('deletes only the token that was sent (a stale 401 keeps a newer token)', async () => {
    const a = store();
    const b = store();
    await a.set('sms', {
      accessToken: 'new',
      tokenType: 'Bearer',
      expiresAt: Date.now() + 60_000,
      refreshAt: Date.now() + 50_000,
    });
    expect(await b.deleteIf('sms', 'old')).toBe(false);
    expect((await a.get('sms'))?.accessToken).toBe('new');
    expect(await b.deleteIf('sms', 'new')).toBe(true);
    expect(await a.get('sms')).toBeUndefined();
  });

  it('lets one holder at a time into the lock across stores (one fetch for the cluster)', async () => {
    const stores = [store(), store(), store()];
    let inside = 0;
    let maxInside = 0;
    let fetches = 0;
    const fetchOnce = async (s: RedisTokenStore) =>
      s.lock('maps', async () => {
        inside++;
        maxInside = Math.max(maxInside, inside);
        try {
          const cached = await s.get('maps');
          if (cached) return cached.accessToken;
          fetches++;
          await new Promise((r) => setTimeout(r, 50));
          const t = {
            accessToken: 'shared',
            tokenType: 'Bearer',
            expiresAt: Date.now() + 60_000,
            refreshAt: Date.now() + 50_000,
          };
          await s.set('maps', t);
          return t.accessToken;
        } finally {
          inside--;
        }
      });
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => fetchOnce(stores[i % 3])));
    expect(new Set(results)).toEqual(new Set(['shared']));
    expect(fetches).toBe(1);
    expect(maxInside).toBe(1);
  });

  it('recovers a lock whose holder died (the lock expires)', async () => {
    const redis = new Redis(url);
    clients.push(redis);
    await redis.set(`${prefix}oauth:token:email:lock`, 'dead-holder', 'PX', 200);
    const s = new RedisTokenStore(redis, { prefix, pollMs: 5, lockWaitMs: 2000 });
    const started = Date.now();
    await expect(s.lock('email', async () => 'ok')).resolves.toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });
});
