import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CircuitState } from 'cockatiel';

/** Label value used for the service-level breaker in `integration_circuit_state`. */
export const SERVICE_SCOPE = 'service';

/** Circuit state as a number: 0 closed, 1 open, 2 half-open, 3 isolated (cockatiel's enum). */
export const CIRCUIT_STATE_VALUE: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.Open]: 1,
  [CircuitState.HalfOpen]: 2,
  [CircuitState.Isolated]: 3,
};

/**
 * The outbound metrics, registered once per Registry whatever the number of gateways
 * (prom-client refuses a second registration of a name).
 */
export class GatewayMetrics {
  private static readonly byRegistry = new WeakMap<Registry, GatewayMetrics>();

  readonly calls: Counter<'service' | 'outcome'>;
  readonly attempts: Counter<'service' | 'instance' | 'outcome'>;
  readonly retries: Counter<'service' | 'reason'>;
  readonly circuitState: Gauge<'service' | 'instance'>;
  readonly cacheHits: Counter<'service'>;
  readonly cacheMisses: Counter<'service'>;
  readonly tokenFetches: Counter<'service' | 'outcome'>;
  readonly attemptDuration: Histogram<'service' | 'instance' | 'outcome'>;

  static for(registry: Registry): GatewayMetrics {
    let metrics = GatewayMetrics.byRegistry.get(registry);
    if (!metrics) {
      metrics = new GatewayMetrics(registry);
      GatewayMetrics.byRegistry.set(registry, metrics);
    }
    return metrics;
  }

  private constructor(registry: Registry) {
    const registers = [registry];
    this.calls = new Counter({
      name: 'integration_calls_total',
      help: 'Outbound calls by integration and final outcome',
      labelNames: ['service', 'outcome'],
      registers,
    });
    this.attempts = new Counter({
      name: 'integration_attempts_total',
      help: 'Outbound HTTP attempts by integration, instance and outcome',
      labelNames: ['service', 'instance', 'outcome'],
      registers,
    });
    this.retries = new Counter({
      name: 'integration_retries_total',
      help: 'Retries by integration and the failure that caused them',
      labelNames: ['service', 'reason'],
      registers,
    });
    this.circuitState = new Gauge({
      name: 'integration_circuit_state',
      help: `Circuit breaker state (0 closed, 1 open, 2 half-open, 3 isolated); instance="${SERVICE_SCOPE}" is the service breaker`,
      labelNames: ['service', 'instance'],
      registers,
    });
    this.cacheHits = new Counter({
      name: 'integration_cache_hits_total',
      help: 'Lookups answered from the cache',
      labelNames: ['service'],
      registers,
    });
    this.cacheMisses = new Counter({
      name: 'integration_cache_misses_total',
      help: 'Lookups not in the cache',
      labelNames: ['service'],
      registers,
    });
    this.tokenFetches = new Counter({
      name: 'integration_token_fetches_total',
      help: 'OAuth 2.0 token requests by integration and outcome',
      labelNames: ['service', 'outcome'],
      registers,
    });
    this.attemptDuration = new Histogram({
      name: 'integration_attempt_duration_seconds',
      help: 'Duration of outbound HTTP attempts',
      labelNames: ['service', 'instance', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
  }

  /** Label-bound handles for one service, memoised so the hot path skips prom-client's label hashing. */
  forService(service: string): ServiceMetrics {
    return new ServiceMetrics(this, service);
  }
}

interface AttemptChildren {
  count: Counter.Internal;
  duration: Histogram.Internal<'service' | 'instance' | 'outcome'>;
}

export class ServiceMetrics {
  private readonly callChildren = new Map<string, Counter.Internal>();
  private readonly attemptChildren = new Map<string, AttemptChildren>();
  private readonly retryChildren = new Map<string, Counter.Internal>();
  private readonly hits: Counter.Internal;
  private readonly misses: Counter.Internal;

  constructor(
    private readonly metrics: GatewayMetrics,
    readonly service: string,
  ) {
    this.hits = metrics.cacheHits.labels(service);
    this.misses = metrics.cacheMisses.labels(service);
  }

  call(outcome: string): void {
    let child = this.callChildren.get(outcome);
    if (!child) {
      child = this.metrics.calls.labels(this.service, outcome);
      this.callChildren.set(outcome, child);
    }
    child.inc();
  }

  attempt(instance: string, outcome: string, seconds: number): void {
    const key = `${instance}\u0000${outcome}`;
    let child = this.attemptChildren.get(key);
    if (!child) {
      child = {
        count: this.metrics.attempts.labels(this.service, instance, outcome),
        duration: this.metrics.attemptDuration.labels(this.service, instance, outcome),
      };
      this.attemptChildren.set(key, child);
    }
    child.count.inc();
    child.duration.observe(seconds);
  }

  retry(reason: string): void {
    let child = this.retryChildren.get(reason);
    if (!child) {
      child = this.metrics.retries.labels(this.service, reason);
      this.retryChildren.set(reason, child);
    }
    child.inc();
  }

  cache(hit: boolean): void {
    (hit ? this.hits : this.misses).inc();
  }

  tokenFetch(outcome: 'success' | 'failure'): void {
    this.metrics.tokenFetches.labels(this.service, outcome).inc();
  }

  circuit(instance: string, state: CircuitState): void {
    this.metrics.circuitState.labels(this.service, instance).set(CIRCUIT_STATE_VALUE[state]);
  }
}
