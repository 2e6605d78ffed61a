import { ApiProperty } from '@nestjs/swagger';
import { FieldsParam, PageQueryDto, SortParam } from '../../../common/http/list-query.js';
import type { BreakerStateName, InstanceSnapshot, IntegrationSnapshot, TokenSnapshot } from '../../../gateway/index.js';
import { INTEGRATION_NAMES } from '../integration-catalog.js';

export const BREAKER_STATES: BreakerStateName[] = ['closed', 'open', 'half-open', 'isolated'];
export const INTEGRATION_STATES = ['up', 'degraded', 'down', 'not-configured'] as const;
export type IntegrationState = (typeof INTEGRATION_STATES)[number];

/** An instance URL as shown to API clients: no user info, no query. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid url)';
  }
}

export class LatencyDto {
  @ApiProperty({ type: Number, nullable: true, description: 'exponentially weighted moving average (ms)' })
  ewmaMs!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'median of the last 128 successful attempts (ms)' })
  p50Ms!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: '95th percentile of the last 128 successful attempts' })
  p95Ms!: number | null;

  @ApiProperty({ type: 'integer', description: 'samples behind the percentiles' })
  samples!: number;
}

export class InstanceStateDto {
  @ApiProperty({ example: 'https://payments-1.example.com', format: 'uri', maxLength: 2048 })
  url!: string;

  @ApiProperty({
    description:
      'in rotation (false after a failed attempt or health check: then called only when no healthy instance is left)',
  })
  healthy!: boolean;

  @ApiProperty({
    description:
      'its latest health check failed: no call goes to it until a health check passes, or a single trial call after the half-open delay succeeds',
  })
  ejected!: boolean;

  @ApiProperty({ enum: BREAKER_STATES, description: "this instance's circuit breaker" })
  circuit!: BreakerStateName;

  @ApiProperty({ type: 'integer', description: 'ms until an open breaker lets a test call through' })
  circuitRetryAfterMs!: number;

  @ApiProperty({ type: LatencyDto })
  latency!: LatencyDto;

  @ApiProperty({ type: 'integer', description: 'attempts sent since start' })
  requests!: number;

  @ApiProperty({ type: 'integer', description: 'failed attempts since start' })
  errors!: number;

  @ApiProperty({ type: Number, nullable: true, description: 'errors / requests × 100 since start' })
  errorRatePercent!: number | null;

  @ApiProperty({ type: 'integer' })
  consecutiveErrors!: number;

  @ApiProperty({ type: String, nullable: true, example: 'HTTP 503', maxLength: 500, pattern: '^.*$' })
  lastError!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  lastErrorAt!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  lastHealthCheckAt!: string | null;

  static from(s: InstanceSnapshot): InstanceStateDto {
    return {
      url: displayUrl(s.url),
      healthy: s.healthy,
      ejected: s.ejected,
      circuit: s.circuit,
      circuitRetryAfterMs: s.circuitRetryAfterMs,
      latency: { ...s.latency },
      requests: s.requests,
      errors: s.errors,
      errorRatePercent: s.requests > 0 ? Math.round((s.errors / s.requests) * 10000) / 100 : null,
      consecutiveErrors: s.consecutiveErrors,
      lastError: s.lastError === null ? null : s.lastError.slice(0, 500),
      lastErrorAt: s.lastErrorAt,
      lastHealthCheckAt: s.lastHealthCheckAt,
    };
  }
}

export class CircuitStateDto {
  @ApiProperty({ enum: BREAKER_STATES, description: "the service's circuit breaker" })
  state!: BreakerStateName;

  @ApiProperty({ type: 'integer', description: 'ms until an open breaker lets a test call through' })
  retryAfterMs!: number;
}

/** What is known about the OAuth 2.0 access token; never the token itself. */
export class TokenStateDto {
  @ApiProperty({ description: 'a token is cached and not expired' })
  hasToken!: boolean;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  expiresAt!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'when a new one is fetched' })
  refreshAt!: string | null;

  @ApiProperty({ type: 'integer', description: 'token requests since start' })
  fetchCount!: number;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  lastFetchAt!: string | null;

  @ApiProperty({ type: String, nullable: true, maxLength: 500, pattern: '^.*$' })
  lastError!: string | null;

  static from(t: TokenSnapshot): TokenStateDto {
    return { ...t, lastError: t.lastError === null ? null : t.lastError.slice(0, 500) };
  }
}

export class RateLimitStateDto {
  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'paused by a 429 until' })
  pausedUntil!: string | null;

  @ApiProperty({ type: Number, nullable: true, description: 'outbound limit; null = none' })
  ratePerSecond!: number | null;
}

export class RetryBudgetStateDto {
  @ApiProperty({ type: 'integer', description: 'calls in the last 10 s' })
  calls!: number;

  @ApiProperty({ type: 'integer', description: 'retries in the last 10 s' })
  retries!: number;

  @ApiProperty({ type: 'integer', description: 'retries refused by the budget since start' })
  denied!: number;
}

export class IntegrationDto {
  // The live list (integration-catalog.ts), so `type` is given: it may still be empty when this file loads.
  @ApiProperty({ enum: INTEGRATION_NAMES as string[], example: 'payment', type: 'string' })
  name!: string;

  @ApiProperty({ description: 'instance URLs are configured' })
  configured!: boolean;

  @ApiProperty({
    enum: INTEGRATION_STATES,
    description:
      'up: every instance in rotation; degraded: some ejected or open, or the token cannot be fetched; down: none usable',
  })
  state!: IntegrationState;

  @ApiProperty({ enum: ['none', 'api-key', 'basic', 'oauth2'], description: 'how the service is authenticated' })
  auth!: string;

  @ApiProperty({ type: CircuitStateDto, nullable: true })
  circuit!: CircuitStateDto | null;

  @ApiProperty({ type: 'integer', description: 'instances in rotation with a closed or half-open breaker' })
  healthyInstances!: number;

  @ApiProperty({ type: [InstanceStateDto], maxItems: 64 })
  instances!: InstanceStateDto[];

  @ApiProperty({ type: TokenStateDto, nullable: true, description: 'OAuth 2.0 services only' })
  token!: TokenStateDto | null;

  @ApiProperty({ type: RateLimitStateDto, nullable: true })
  rateLimit!: RateLimitStateDto | null;

  @ApiProperty({ type: RetryBudgetStateDto, nullable: true })
  retryBudget!: RetryBudgetStateDto | null;

  static notConfigured(name: string): IntegrationDto {
    return {
      name,
      configured: false,
      state: 'not-configured',
      auth: 'none',
      circuit: null,
      healthyInstances: 0,
      instances: [],
      token: null,
      rateLimit: null,
      retryBudget: null,
    };
  }

  static from(name: string, s: IntegrationSnapshot): IntegrationDto {
    const instances = s.instances.map((i) => InstanceStateDto.from(i));
    const healthyInstances = s.instances.filter(
      (i) => i.healthy && i.circuit !== 'open' && i.circuit !== 'isolated',
    ).length;
    const token = s.auth.token ? TokenStateDto.from(s.auth.token) : null;
    return {
      name,
      configured: true,
      state: stateOf(s, healthyInstances, token),
      auth: s.auth.kind,
      circuit: { state: s.circuit.state, retryAfterMs: s.circuit.retryAfterMs },
      healthyInstances,
      instances,
      token,
      rateLimit: {
        pausedUntil: s.rateLimit.pausedUntil,
        ratePerSecond: Number.isFinite(s.rateLimit.ratePerSecond) ? s.rateLimit.ratePerSecond : null,
      },
      retryBudget: { ...s.retryBudget },
    };
  }
}

function stateOf(s: IntegrationSnapshot, healthy: number, token: TokenStateDto | null): IntegrationState {
  if (s.circuit.state === 'open' || s.circuit.state === 'isolated' || healthy === 0) return 'down';
  if (healthy < s.instances.length) return 'degraded';
  if (token && !token.hasToken && token.lastError !== null) return 'degraded';
  return 'up';
}

export const INTEGRATION_FIELDS = [
  'name',
  'configured',
  'state',
  'auth',
  'circuit',
  'healthyInstances',
  'instances',
  'token',
  'rateLimit',
  'retryBudget',
] as const;
export const INTEGRATION_SORTABLE = ['name', 'state', 'healthyInstances'] as const;

export class ListIntegrationsQuery extends PageQueryDto {
  @FieldsParam(INTEGRATION_FIELDS)
  fields?: string;

  @SortParam(INTEGRATION_SORTABLE)
  sort?: string;
}

export class IntegrationFieldsQuery {
  @FieldsParam(INTEGRATION_FIELDS)
  fields?: string;
}
