import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AxiosInstance, AxiosRequestConfig } from 'axios';
import { CircuitState } from 'cockatiel';
import type { Cache } from 'cache-manager';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import type { Registry } from 'prom-client';
import { abortable } from './abortable.js';
import { NoAuth, type AuthSnapshot, type AuthStrategy } from './auth-strategies.js';
import { TrackedBreaker, type BreakerOptions, type BreakerStateName } from './circuit-breaker.js';
import { GatewayMetrics, SERVICE_SCOPE, type ServiceMetrics } from './gateway-metrics.js';
import { InstancePool, type HealthProbe, type InstanceSnapshot, type UpstreamInstance } from './instance-pool.js';
import { createKeepAliveAgents, directRequestConfig, type KeepAliveAgents } from './keep-alive-agent.js';
import { UpstreamRateLimiter, type RateLimiterOptions } from './rate-limiter.js';
import { RetryBudget, RetryPolicy, type RetryBudgetOptions } from './retry-policy.js';
import {
  AttemptError,
  DeadlineExceededError,
  UpstreamException,
  circuitOpen,
  classifyError,
  statusError,
  upstreamFailed,
  upstreamRateLimited,
  retryBudgetExhausted,
  upstreamTimeout,
  type AttemptOutcome,
} from './upstream-errors.js';

/** pino-compatible; the gateway never passes it a secret or an Authorization header. */
export interface GatewayLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

/** Same shape as `AppConfig.integrations.policy`, so that object can be passed as is. */
export interface GatewayPolicy {
  retryBaseDelayMs: number;
  retryMax: number;
  connectTimeoutMs: number;
  /** axios `timeout`: until the response starts, then socket idle. */
  readTimeoutMs: number;
  /** One deadline over every attempt and wait of a call. */
  totalTimeoutMs: number;
  /** 0 disables active health checks. */
  healthCheckIntervalMs: number;
  /** Random extra backoff, as a fraction (0.1 = up to +10 %). */
  jitter?: number;
}

export const DEFAULT_GATEWAY_POLICY: Required<GatewayPolicy> = {
  retryBaseDelayMs: 1000,
  retryMax: 3,
  connectTimeoutMs: 5000,
  readTimeoutMs: 30_000,
  totalTimeoutMs: 60_000,
  healthCheckIntervalMs: 10_000,
  jitter: 0.1,
};

export const DEFAULT_INSTANCE_BREAKER: BreakerOptions = { consecutiveFailures: 5, halfOpenAfterMs: 10_000 };
export const DEFAULT_SERVICE_BREAKER: BreakerOptions = { consecutiveFailures: 10, halfOpenAfterMs: 30_000 };

export interface ServiceGatewayOptions {
  /** Integration name: metric label, log field, `extensions.integration` of errors. */
  name: string;
  urls: readonly string[];
  /** E.g. `HttpService.axiosRef`; the gateway passes its own agents, timeouts and status handling per request. */
  http: AxiosInstance;
  policy?: Partial<GatewayPolicy>;
  auth?: AuthStrategy;
  /** Share one pair across gateways; when omitted the gateway creates (and `close()` destroys) its own. */
  agents?: KeepAliveAgents;
  breakers?: { instance?: BreakerOptions; service?: BreakerOptions };
  retryBudget?: RetryBudgetOptions;
  rateLimit?: RateLimiterOptions;
  cache?: Cache;
  /** TTL of cached lookups when the request names none. */
  cacheTtlMs?: number;
  registry?: Registry;
  logger?: GatewayLogger;
  /** Once per call that retried at least once: did it end in success? (retry success rate for /status). */
  onRetryOutcome?: (recovered: boolean) => void;
  healthCheck?: { path?: string; timeoutMs?: number };
  /** Largest upstream body accepted (bytes). */
  maxContentLength?: number;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface GatewayRequest {
  method: HttpMethod;
  /** Appended to the instance's base URL, e.g. `/v1/payments`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent as `Idempotency-Key` on every attempt; generated for a POST that has none. */
  idempotencyKey?: string;
  /** The id of the request (or event) this call serves: sent as `X-Request-Id`, logged on every attempt. */
  requestId?: string;
  /** Look the answer up in the cache first and store a validated success (GET-like lookups only). */
  cacheKey?: string;
  cacheTtlMs?: number;
  /** Overrides the policy's total timeout for this call. */
  timeoutMs?: number;
  /** The caller giving up (client went away); aborts the call with this signal's reason. */
  signal?: AbortSignal;
}

export interface ValidatedRequest<T extends object> extends GatewayRequest {
  /** class-validator DTO the 2xx body must satisfy; unknown properties are stripped. */
  responseType: ClassConstructor<T>;
}

type AnyRequest = GatewayRequest & { responseType?: ClassConstructor<object> };

export interface GatewayResponse<T> {
  status: number;
  data: T;
  /** Upstream attempts this call made (0 when answered from the cache). */
  attempts: number;
  /** Base URL of the instance that answered; null from the cache. */
  instance: string | null;
  cached: boolean;
}

export interface IntegrationSnapshot {
  name: string;
  auth: AuthSnapshot;
  circuit: { state: BreakerStateName; retryAfterMs: number };
  instances: InstanceSnapshot[];
  rateLimit: { pausedUntil: string | null; ratePerSecond: number };
  retryBudget: { calls: number; retries: number; denied: number };
}

interface CallState {
  attempts: number;
  retries: number;
  replayed: boolean;
  tried: Set<UpstreamInstance>;
  /** What the auth strategy sent on the latest attempt (the access token), for a 401. */
  sent: string | undefined;
  deadlineAt: number;
}

const silentLogger: GatewayLogger = { info: () => undefined, warn: () => undefined };
const round2 = (ms: number) => Math.round(ms * 100) / 100;

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
  }

  /** A call whose 2xx body is validated against `responseType` (and may be cached). */
  request<T extends object>(req: ValidatedRequest<T>): Promise<GatewayResponse<T>>;
  /** A call whose body is not inspected (e.g. 202/204 answers); `data` is whatever came back. */
  request(req: GatewayRequest): Promise<GatewayResponse<unknown>>;
  request(req: AnyRequest): Promise<GatewayResponse<unknown>> {
    if (req.cacheKey !== undefined && this.options.cache) return this.cached(req, this.options.cache);
    return this.call(req);
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
      flight = this.call({ ...req, signal: undefined })
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

  private async call(req: AnyRequest): Promise<GatewayResponse<unknown>> {
    const totalMs = req.timeoutMs ?? this.policy.totalTimeoutMs;
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(new DeadlineExceededError(totalMs)), totalMs);
    const caller = req.signal;
    const onCallerAbort = () => ctrl.abort(caller?.reason);
    if (caller?.aborted) onCallerAbort();
    else caller?.addEventListener('abort', onCallerAbort, { once: true });
    const state: CallState = {
      attempts: 0,
      retries: 0,
      replayed: false,
      tried: new Set(),
      sent: undefined,
      deadlineAt: Date.now() + totalMs,
    };
    this.budget.recordCall();
    try {
      const res = await this.loop(req, ctrl.signal, state);
      this.metrics?.call('success');
      if (state.retries > 0) this.options.onRetryOutcome?.(true);
      return res;
    } catch (e) {
      let error = e;
      if (!(e instanceof UpstreamException) && ctrl.signal.aborted) {
        error =
          ctrl.signal.reason instanceof DeadlineExceededError
            ? upstreamTimeout(this.name, totalMs, state.attempts)
            : ctrl.signal.reason;
      }
      this.metrics?.call(error instanceof UpstreamException ? error.reason : ctrl.signal.aborted ? 'aborted' : 'error');
      if (state.retries > 0) this.options.onRetryOutcome?.(false);
      throw error;
    } finally {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onCallerAbort);
    }
  }

  private async loop(req: AnyRequest, signal: AbortSignal, s: CallState): Promise<GatewayResponse<unknown>> {
    const headers = this.headersFor(req);
    for (;;) {
      const blocked = this.serviceBreaker.blockedForMs();
      if (blocked > 0) throw circuitOpen(this.name, blocked, s.attempts);

      const wait = this.limiter.reserve();
      if (wait > 0) {
        if (Date.now() + wait >= s.deadlineAt) {
          this.limiter.refund();
          throw upstreamRateLimited(this.name, wait, s.attempts);
        }
        await sleep(wait, undefined, { signal });
      }

      const inst = this.pool.pick(s.tried);
      if (!inst) throw circuitOpen(this.name, this.pool.retryAfterMs(), s.attempts);
      s.tried.add(inst);
      s.attempts++;

      let err: AttemptError;
      try {
        return await this.attempt(inst, req, headers, signal, s);
      } catch (e) {
        err = classifyError(e, signal);
      }
      if (signal.aborted) throw signal.reason;

      if (err.outcome === 'rate-limited' && err.retryAfterMs !== undefined) {
        this.limiter.pauseUntil(Date.now() + err.retryAfterMs);
      }
      if (err.outcome === 'unauthorized' && !s.replayed && (await this.auth.onUnauthorized?.(s.sent))) {
        // The seed's flow: drop the token and start the call again, once, with a new one.
        s.replayed = true;
        s.tried.delete(inst);
        continue;
      }

      const decision = this.retry.decide(err, s.retries);
      if (!decision.retry) {
        throw decision.why === 'exhausted' && s.retries > 0
          ? upstreamFailed(this.name, err, s.attempts, 'retries-exhausted')
          : upstreamFailed(this.name, err, s.attempts);
      }
      if (Date.now() + decision.delayMs >= s.deadlineAt) {
        throw err.outcome === 'rate-limited'
          ? upstreamRateLimited(this.name, decision.delayMs, s.attempts, err)
          : upstreamFailed(this.name, err, s.attempts, err.outcome, 'next retry would pass the deadline');
      }
      if (!this.budget.tryAcquire()) {
        throw retryBudgetExhausted(this.name, err, s.attempts, this.budget.retryAfterMs());
      }
      s.retries++;
      this.metrics?.retry(err.outcome);
      if (decision.delayMs > 0) await sleep(decision.delayMs, undefined, { signal });
    }
  }

  /** One attempt on one instance: logged once, measured once, reported to the pool once. */
  private async attempt(
    inst: UpstreamInstance,
    req: AnyRequest,
    headers: Record<string, string>,
    signal: AbortSignal,
    s: CallState,
  ): Promise<GatewayResponse<unknown>> {
    const started = performance.now();
    let failure: AttemptError | undefined;
    let status: number | undefined;
    try {
      const res = await this.serviceBreaker.execute(async () => {
        s.sent = await this.auth.apply(headers, signal);
        return inst.breaker.execute(() => this.send(inst, req, headers, signal), signal);
      }, signal);
      status = res.status;
      return { status: res.status, data: res.data, attempts: s.attempts, instance: inst.url, cached: false };
    } catch (e) {
      failure = classifyError(e, signal);
      status = failure.status;
      throw failure;
    } finally {
      const ms = performance.now() - started;
      const outcome: AttemptOutcome = failure?.outcome ?? 'success';
      this.pool.record(inst, outcome, failure?.eject ?? false, ms, failure?.message);
      this.metrics?.attempt(inst.url, outcome, ms / 1000);
      const line = {
        integration: this.name,
        requestId: req.requestId,
        instance: inst.url,
        attempt: s.attempts,
        outcome,
        status,
        latencyMs: round2(ms),
        method: req.method,
        path: pathOnly(req.path),
      };
      if (failure) this.logger.warn(line, 'upstream attempt failed');
      else this.logger.info(line, 'upstream attempt');
    }
  }

  private async send(
    inst: UpstreamInstance,
    req: AnyRequest,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<{ status: number; data: unknown }> {
    const res = await this.http.request<unknown>({
      ...this.direct,
      method: req.method,
      url: inst.url + req.path,
      params: req.query,
      data: req.body,
      headers,
      timeout: this.policy.readTimeoutMs,
      signal,
      maxContentLength: this.options.maxContentLength ?? 10 * 1024 * 1024,
    });
    if (res.status < 200 || res.status >= 300) {
      throw statusError(res.status, res.headers as Record<string, unknown>, res.data);
    }
    if (!req.responseType) return { status: res.status, data: res.data };
    return { status: res.status, data: await validBody(req.responseType, res.data) };
  }

  private headersFor(req: GatewayRequest): Record<string, string> {
    const headers: Record<string, string> = { Accept: 'application/json', ...req.headers };
    const key = req.idempotencyKey ?? (req.method === 'POST' ? randomUUID() : undefined);
    if (key !== undefined) headers['Idempotency-Key'] = key;
    if (req.requestId !== undefined) headers['X-Request-Id'] = req.requestId;
    return headers;
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

/** An upstream body becomes a DTO only if it validates; otherwise the attempt is a bad answer (502). */
async function validBody<T extends object>(type: ClassConstructor<T>, body: unknown): Promise<T> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AttemptError('invalid-response', 'response body is not a JSON object');
  }
  const dto = plainToInstance(type, body);
  const errors = await validate(dto, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) {
    throw new AttemptError('invalid-response', `response failed validation: ${describe(errors)}`);
  }
  return dto;
}

function describe(errors: ValidationError[], prefix = ''): string {
  const parts: string[] = [];
  for (const e of errors) {
    const path = prefix + e.property;
    if (e.constraints) parts.push(...Object.values(e.constraints).map((m) => m.replace(e.property, path)));
    if (e.children?.length) parts.push(describe(e.children, `${path}.`));
  }
  return parts.slice(0, 5).join('; ');
}

/** Query strings can carry personal data (an address to geocode); logs get the path only. */
const pathOnly = (path: string) => {
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
};

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
