import type { AxiosInstance, AxiosRequestConfig } from 'axios';
import { CircuitState } from 'cockatiel';
import type { Cache } from 'cache-manager';
import { plainToInstance } from 'class-transformer';
import { abortable } from './abortable.js';
import { NoAuth, type AuthStrategy } from './auth-strategies.js';
import { CallLoop } from './call-loop.js';
import { TrackedBreaker } from './circuit-breaker.js';
import { GatewayMetrics, SERVICE_SCOPE, type ServiceMetrics } from './gateway-metrics.js';
import {
  DEFAULT_GATEWAY_POLICY,
  DEFAULT_INSTANCE_BREAKER,
  DEFAULT_SERVICE_BREAKER,
  type AnyRequest,
  type GatewayLogger,
  type GatewayPolicy,
  type GatewayRequest,
  type GatewayResponse,
  type IntegrationSnapshot,
  type ServiceGatewayOptions,
  type ValidatedRequest,
} from './gateway-types.js';
import { InstancePool, type HealthProbe } from './instance-pool.js';
import { createKeepAliveAgents, directRequestConfig, type KeepAliveAgents } from './keep-alive-agent.js';
import { UpstreamRateLimiter } from './rate-limiter.js';
import { RetryBudget, RetryPolicy } from './retry-policy.js';

const silentLogger: GatewayLogger = { info: () => undefined, warn: () => undefined };

/**
 * The resilient outbound pipeline for one external service: cache → rate limiter → deadline →
 * retry loop → instance pool → circuit breakers → credentials → axios → response validation.
 * Framework-free; the Nest module constructs one per integration.
 */
export class ServiceGateway {
  readonly name: string;
  private readonly policy: Required<GatewayPolicy>;
  private readonly http: AxiosInstance;
  private readonly auth: AuthStrategy;
  private readonly agents: KeepAliveAgents;
  private readonly ownAgents: boolean;
  private readonly direct: AxiosRequestConfig;
  private readonly pool: InstancePool;
  private readonly serviceBreaker: TrackedBreaker;
  private readonly retry: RetryPolicy;
  private readonly budget: RetryBudget;
  private readonly limiter: UpstreamRateLimiter;
  private readonly metrics: ServiceMetrics | undefined;
  private readonly logger: GatewayLogger;
  private readonly calls: CallLoop;
  private readonly inflight = new Map<string, Promise<GatewayResponse<unknown>>>();

  constructor(private readonly options: ServiceGatewayOptions) {
    this.name = options.name;
    this.policy = { ...DEFAULT_GATEWAY_POLICY, ...stripUndefined(options.policy ?? {}) };
    this.http = options.http;
    this.auth = options.auth ?? new NoAuth();
    this.ownAgents = options.agents === undefined;
    this.agents = options.agents ?? createKeepAliveAgents({ connectTimeoutMs: this.policy.connectTimeoutMs });
    this.direct = directRequestConfig(this.agents);
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.registry ? GatewayMetrics.for(options.registry).forService(this.name) : undefined;
    this.retry = new RetryPolicy({
      baseDelayMs: this.policy.retryBaseDelayMs,
      maxRetries: this.policy.retryMax,
      jitter: this.policy.jitter,
    });
    this.budget = new RetryBudget(options.retryBudget);
    this.limiter = new UpstreamRateLimiter(options.rateLimit);
    this.serviceBreaker = new TrackedBreaker(options.breakers?.service ?? DEFAULT_SERVICE_BREAKER, (state) =>
      this.metrics?.circuit(SERVICE_SCOPE, state),
    );
    this.pool = new InstancePool({
      urls: options.urls,
      breaker: options.breakers?.instance ?? DEFAULT_INSTANCE_BREAKER,
      probe: this.probe,
      healthCheckIntervalMs: this.policy.healthCheckIntervalMs,
      serviceBreaker: this.serviceBreaker,
      onBreakerState: (url, state) => this.metrics?.circuit(url, state),
      onHealthChange: (url, healthy, ejected) =>
        this.logger[healthy ? 'info' : 'warn'](
          { integration: this.name, instance: url, healthy, ejected },
          healthy
            ? 'upstream instance back in rotation'
            : ejected
              ? 'upstream instance ejected: health check failed'
              : 'upstream instance demoted after a failed attempt',
        ),
    });
    // Export every breaker as closed from the start, not only once it first changes.
    this.metrics?.circuit(SERVICE_SCOPE, CircuitState.Closed);
    for (const inst of this.pool.instances) this.metrics?.circuit(inst.url, CircuitState.Closed);
    this.pool.start();
    this.calls = this.callLoop();
  }

  /** A call whose 2xx body is validated against `responseType` (and may be cached). */
  request<T extends object>(req: ValidatedRequest<T>): Promise<GatewayResponse<T>>;
  /** A call whose body is not inspected (e.g. 202/204 answers); `data` is whatever came back. */
  request(req: GatewayRequest): Promise<GatewayResponse<unknown>>;
  request(req: AnyRequest): Promise<GatewayResponse<unknown>> {
    if (req.cacheKey !== undefined && this.options.cache) return this.cached(req, this.options.cache);
    return this.calls.call(req);
  }

  /** Applies a 429 pause that another instance received (see RedisPauseBus). */
  applyRemotePause(untilMs: number): void {
    this.limiter.pauseUntil(untilMs, { shared: false });
  }

  snapshot(): IntegrationSnapshot {
    return {
      name: this.name,
      auth: this.auth.snapshot(),
      circuit: { state: this.serviceBreaker.stateName, retryAfterMs: this.serviceBreaker.blockedForMs() },
      instances: this.pool.snapshot(),
      rateLimit: this.limiter.snapshot(),
      retryBudget: this.budget.snapshot(),
    };
  }

  /** Runs the health checks now (they also run every `healthCheckIntervalMs`). */
  checkHealth(): Promise<void> {
    return this.pool.checkHealth();
  }

  /** Stops health checks and, when the gateway created them, closes its pooled sockets. */
  close(): void {
    this.pool.stop();
    if (this.ownAgents) {
      this.agents.httpAgent.destroy();
      this.agents.httpsAgent.destroy();
    }
  }

  /** Cache first; concurrent misses for one key share a single upstream call. */
  private async cached(req: AnyRequest, cache: Cache): Promise<GatewayResponse<unknown>> {
    const key = `integrations:${this.name}:${req.cacheKey}`;
    let hit: unknown;
    try {
      hit = await cache.get(key);
    } catch (e) {
      this.logger.warn({ integration: this.name, err: String(e) }, 'cache lookup failed; calling upstream');
    }
    if (hit !== undefined && hit !== null) {
      this.metrics?.cache(true);
      this.metrics?.call('cached');
      // A shared cache (Redis) gives back plain JSON: make it the DTO class again (it was validated before it was stored).
      const data = req.responseType && typeof hit === 'object' ? plainToInstance(req.responseType, hit) : hit;
      return { status: 200, data, attempts: 0, instance: null, cached: true };
    }
    this.metrics?.cache(false);
    let flight = this.inflight.get(key);
    if (!flight) {
      // The shared call ignores the first caller's signal: the others still want the answer.
      flight = this.calls
        .call({ ...req, signal: undefined })
        .then(async (res) => {
          try {
            await cache.set(key, res.data, req.cacheTtlMs ?? this.options.cacheTtlMs);
          } catch (e) {
            this.logger.warn({ integration: this.name, err: String(e) }, 'cache store failed');
          }
          return res;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, flight);
    }
    return req.signal ? abortable(flight, req.signal) : flight;
  }

  private callLoop(): CallLoop {
    const { policy } = this;
    return new CallLoop({
      name: this.name,
      policy,
      http: this.http,
      direct: this.direct,
      auth: this.auth,
      pool: this.pool,
      serviceBreaker: this.serviceBreaker,
      retry: this.retry,
      budget: this.budget,
      limiter: this.limiter,
      metrics: this.metrics,
      logger: this.logger,
      maxContentLength: this.options.maxContentLength ?? 10 * 1024 * 1024,
      onRetryOutcome: this.options.onRetryOutcome,
    });
  }

  private readonly probe: HealthProbe = async (url) => {
    const timeoutMs = this.options.healthCheck?.timeoutMs ?? Math.min(5000, this.policy.readTimeoutMs);
    try {
      const res = await this.http.request({
        ...this.direct,
        method: 'GET',
        url: url + (this.options.healthCheck?.path ?? '/health'),
        timeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      return res.status >= 200 && res.status < 300;
    } catch {
      return false;
    }
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
