import { Global, Module } from '@nestjs/common';
import { CacheMetrics } from './cache-metrics.js';
import { Lifecycle } from './lifecycle.js';
import { MetricsService } from './metrics.service.js';
import { SlaWindow } from './sla-window.js';
import { StatusRegistry } from './status-registry.js';

@Global()
@Module({
  providers: [
    MetricsService,
    CacheMetrics,
    { provide: SlaWindow, useFactory: () => new SlaWindow() },
    StatusRegistry,
    Lifecycle,
  ],
  exports: [MetricsService, CacheMetrics, SlaWindow, StatusRegistry, Lifecycle],
})
export class ObservabilityModule {}
