import { EventEmitter } from 'node:events';
import {
  BrokenCircuitError,
  circuitBreaker,
  ConsecutiveBreaker,
  handleAll,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
  type IPolicy,
} from 'cockatiel';
import type { KeyvStoreAdapter, StoredData } from 'keyv';

export type CacheOperation = 'get' | 'set' | 'delete' | 'clear';
export type CacheFallbackReason = 'timeout' | 'error' | 'circuit-open';

export interface ResilientStoreOptions {
  /** Longest wait for one cache call before the caller goes to the source. */
  timeoutMs: number;
  /** Consecutive failures that stop calling the store for `halfOpenAfterMs` (default 5). */
  failuresToOpen?: number;
  halfOpenAfterMs?: number;
  /** Called for every call answered without the store (metrics). */
  onFallback(operation: CacheOperation, reason: CacheFallbackReason): void;
}

/**
 * A Keyv storage adapter around another (Redis) that never makes a request wait for the cache: a call
 * that fails or takes longer than `timeoutMs` answers "miss" (get) or "not stored" (set / delete), so the
 * caller reads through to the source. After consecutive failures a circuit breaker skips the store for a
 * while, so a dead Redis costs nothing per request and is not hammered with reconnects. Built on
 * cockatiel's timeout and breaker policies. The inner store must throw its errors (@keyv/redis:
 * `throwOnErrors`), otherwise a failure looks like a miss and is not counted.
 *
 * A delete that fails leaves the old entry until its TTL: entries are short-lived (CACHE_TTL_MS).
 */
export class ResilientStore extends EventEmitter implements KeyvStoreAdapter {
  private readonly policy: IPolicy;

  constructor(
    private readonly inner: KeyvStoreAdapter,
    private readonly options: ResilientStoreOptions,
  ) {
    super();
    const breaker = circuitBreaker(handleAll, {
      halfOpenAfter: options.halfOpenAfterMs ?? 1000,
      breaker: new ConsecutiveBreaker(options.failuresToOpen ?? 5),
    });
    // Aggressive: answer at the deadline even if the client never settles its promise (an offline queue).
    this.policy = wrap(breaker, timeout(options.timeoutMs, TimeoutStrategy.Aggressive));
  }

  get opts(): unknown {
    return this.inner.opts as unknown;
  }

  // Keyv sets the namespace on its store; the inner store is the one that prefixes keys.
  get namespace(): string | undefined {
    return this.inner.namespace;
  }

  set namespace(value: string | undefined) {
    this.inner.namespace = value;
  }

  get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return this.attempt('get', () => this.inner.get<Value>(key), undefined);
  }

  set(key: string, value: unknown, ttl?: number): Promise<unknown> {
    return this.attempt('set', async () => (await this.inner.set(key, value, ttl)) as unknown, false);
  }

  delete(key: string): Promise<boolean> {
    return this.attempt('delete', () => this.inner.delete(key), false);
  }

  clear(): Promise<void> {
    return this.attempt('clear', () => this.inner.clear(), undefined);
  }

  async disconnect(): Promise<void> {
    await this.inner.disconnect?.();
  }

  private async attempt<T>(operation: CacheOperation, call: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await this.policy.execute(call);
    } catch (error) {
      const reason: CacheFallbackReason =
        error instanceof BrokenCircuitError
          ? 'circuit-open'
          : error instanceof TaskCancelledError
            ? 'timeout'
            : 'error';
      this.options.onFallback(operation, reason);
      return fallback;
    }
  }
}
