import type { AxiosInstance } from 'axios';
import type { Cache } from 'cache-manager';
import type { ClassConstructor } from 'class-transformer';
import type { Registry } from 'prom-client';
import type { AuthSnapshot, AuthStrategy } from './auth-strategies.js';
import type { BreakerOptions, BreakerStateName } from './circuit-breaker.js';
import type { InstanceSnapshot } from './instance-pool.js';
import type { KeepAliveAgents } from './keep-alive-agent.js';
import type { RateLimiterOptions } from './rate-limiter.js';
import type { RetryBudgetOptions } from './retry-policy.js';

/** pino-compatible; the gateway never passes it a secret or an Authorization header. */
export interface GatewayLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

/** `AppConfig.integrations.policy` is this plus the breakers' settings, so that object is passed as is. */
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

/** What the gateway handles internally: a request with or without a response type. */
export type AnyRequest = GatewayRequest & { responseType?: ClassConstructor<object> };

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
