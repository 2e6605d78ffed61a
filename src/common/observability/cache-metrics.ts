import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsService } from './metrics.service.js';

@Injectable()
export class CacheMetrics {
  private readonly lookups: Counter<'cache' | 'result'>;
  private readonly fallbacks: Counter<'operation' | 'reason'>;

  constructor(metrics: MetricsService) {
    this.lookups = new Counter({
      name: 'cache_lookups_total',
      help: 'Cache lookups by cache and result (hit or miss)',
      labelNames: ['cache', 'result'],
      registers: [metrics.registry],
    });
    this.fallbacks = new Counter({
      name: 'cache_fallbacks_total',
      help: 'Shared-cache (Redis) calls answered without the cache, by operation and reason (timeout, error, circuit-open)',
      labelNames: ['operation', 'reason'],
      registers: [metrics.registry],
    });
  }

  /** A cache call that failed or timed out: the caller read through to the source. */
  fallback(operation: string, reason: string): void {
    this.fallbacks.inc({ operation, reason });
  }

  hit(cache: string): void {
    this.lookups.inc({ cache, result: 'hit' });
  }

  miss(cache: string): void {
    this.lookups.inc({ cache, result: 'miss' });
  }
}
