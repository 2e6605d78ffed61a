import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsService } from './metrics.service.js';

@Injectable()
export class CacheMetrics {
  private readonly lookups: Counter<'cache' | 'result'>;

  constructor(metrics: MetricsService) {
    this.lookups = new Counter({
      name: 'cache_lookups_total',
      help: 'Cache lookups by cache and result (hit or miss)',
      labelNames: ['cache', 'result'],
      registers: [metrics.registry],
    });
  }

  hit(cache: string): void {
    this.lookups.inc({ cache, result: 'hit' });
  }

  miss(cache: string): void {
    this.lookups.inc({ cache, result: 'miss' });
  }
}
