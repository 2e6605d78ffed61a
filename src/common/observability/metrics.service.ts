import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

type Labels = 'method' | 'route' | 'status';

/** The process's Prometheus registry; every module registers its own metrics on `registry`. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<Labels>;
  /** Label-bound children by "method route status": prom-client hashes the label object otherwise. */
  private readonly durationByRoute = new Map<string, Histogram.Internal<Labels>>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route template, method and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    let child = this.durationByRoute.get(key);
    if (!child) {
      child = this.httpDuration.labels(method, route, String(status));
      this.durationByRoute.set(key, child);
    }
    child.observe(seconds);
  }
}
