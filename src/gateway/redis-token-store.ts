import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { StoredToken, TokenStore } from './oauth2-token-provider.js';

const COMPARE_AND_DELETE = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local ok, token = pcall(cjson.decode, current)
if ok and token.accessToken == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface RedisTokenStoreOptions {
  /** Key prefix shared by every instance of the deployment. */
  prefix: string;
  /** The lock expires on its own after this, so a holder that died never blocks the others. */
  lockTtlMs?: number;
  /** How long a waiter polls for the lock before giving up. */
  lockWaitMs?: number;
  pollMs?: number;
}

/**
 * OAuth 2.0 tokens shared by every instance: the token under `SET PX` (expires with it), a Lua
 * compare-and-delete for a stale 401, and a `SET NX PX` lock so one token request runs across the
 * whole cluster. In-process callers queue on a promise chain first, so only one of them polls Redis.
 * Hand-written because the lock is a dozen lines on the client the app already has; a Redlock
 * library adds multi-master quorum this single-Redis deployment does not need.
 */
export class RedisTokenStore implements TokenStore {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly lockTtlMs: number;
  private readonly lockWaitMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisTokenStoreOptions,
  ) {
    this.lockTtlMs = options.lockTtlMs ?? 15_000;
    this.lockWaitMs = options.lockWaitMs ?? 20_000;
    this.pollMs = options.pollMs ?? 25;
  }

  private key(key: string): string {
    return `${this.options.prefix}oauth:token:${key}`;
  }

  async get(key: string): Promise<StoredToken | undefined> {
    const raw = await this.redis.get(this.key(key));
    return raw ? (JSON.parse(raw) as StoredToken) : undefined;
  }

  async set(key: string, token: StoredToken): Promise<void> {
    const ttl = Math.max(1, token.expiresAt - Date.now());
    await this.redis.set(this.key(key), JSON.stringify(token), 'PX', ttl);
  }

  async deleteIf(key: string, accessToken: string): Promise<boolean> {
    const deleted = (await this.redis.eval(COMPARE_AND_DELETE, 1, this.key(key), accessToken)) as number;
    return deleted === 1;
  }

  lock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const run = previous.then(
      () => this.withRedisLock(key, fn),
      () => this.withRedisLock(key, fn),
    );
    const tail = run.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }

  private async withRedisLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const lockKey = `${this.key(key)}:lock`;
    const owner = randomUUID();
    const deadline = Date.now() + this.lockWaitMs;
    while ((await this.redis.set(lockKey, owner, 'PX', this.lockTtlMs, 'NX')) !== 'OK') {
      if (Date.now() > deadline) throw new Error(`timed out waiting for the token lock of ${key}`);
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
    }
    try {
      return await fn();
    } finally {
      await this.redis.eval(RELEASE, 1, lockKey, owner).catch(() => undefined);
    }
  }
}
