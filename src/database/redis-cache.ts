import type { Keyv } from 'keyv';
import type { CacheMetrics } from '../common/observability/cache-metrics.js';
import type { AppConfig } from '../config/app.config.js';
import { logRedisErrors } from './redis-errors.js';
import { ResilientStore } from './resilient-cache-store.js';

/**
 * The shared cache on Redis (cache-manager 7 over Keyv + @keyv/redis). A cache is an optimisation: with
 * Redis slow or down every call answers within CACHE_TIMEOUT_MS as a miss and the caller reads the source
 * (ResilientStore), counted in `cache_fallbacks_total`. The node-redis client does not queue commands
 * while disconnected (they fail at once instead of waiting for a reconnect) and throws its errors to
 * the wrapper, which counts them; its error events are logged (rate-limited). @keyv/redis (and node-redis
 * under it) is loaded only here: without `REDIS_URL` the process never loads it (start-up, issue 12).
 */
export async function sharedCacheStore(config: AppConfig, metrics: CacheMetrics): Promise<Keyv> {
  const [{ default: KeyvRedis }, { Keyv }] = await Promise.all([import('@keyv/redis'), import('keyv')]);
  const redis = new KeyvRedis(
    { url: config.redis.url, disableOfflineQueue: true, socket: { connectTimeout: 2000 } },
    { throwOnErrors: true, throwOnConnectError: true, connectionTimeout: 2000 },
  );
  logRedisErrors(redis, 'cache');
  const store = new ResilientStore(redis, {
    timeoutMs: config.cache.timeoutMs,
    onFallback: (operation, reason) => metrics.fallback(operation, reason),
  });
  return new Keyv({ store, namespace: `${config.redis.keyPrefix}cache` });
}
