import type { AxiosInstance } from 'axios';
import type { Cache } from 'cache-manager';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { AppConfig } from '../../config/app.config.js';
import { ApiKeyAuth, BasicAuth, OAuth2ClientCredentialsAuth, type AuthStrategy } from './gateway/auth-strategies.js';
import type { BreakerOptions } from './gateway/circuit-breaker.js';
import type { KeepAliveAgents } from './gateway/keep-alive-agent.js';
import { InMemoryTokenStore, OAuth2TokenProvider, type TokenStore } from './gateway/oauth2-token-provider.js';
import { RedisTokenStore } from './gateway/redis-token-store.js';
import type { RetryBudgetOptions } from './gateway/retry-policy.js';
import { ServiceGateway, type GatewayLogger, type GatewayPolicy } from './gateway/service-gateway.js';

/** The external services of contract §5, in the order they are listed everywhere. */
export const INTEGRATION_NAMES = ['payment', 'email', 'sms', 'maps'] as const;
export type IntegrationName = (typeof INTEGRATION_NAMES)[number];

export function isIntegrationName(value: string): value is IntegrationName {
  return (INTEGRATION_NAMES as readonly string[]).includes(value);
}

type Integrations = AppConfig['integrations'];
type Policy = Integrations['policy'];

/**
 * Breakers on the failure rate, not on consecutive failures: with two instances answering 20 %
 * errors at random, five in a row on one instance happen every few thousand calls and a
 * consecutive-count breaker would take healthy instances out. The minimum number of attempts in
 * the window keeps a few unlucky first attempts from opening it (with a minimum of 5, 3 failures
 * out of the first 5 at a 20 % error rate is a 6 % chance); a dead service still opens it after
 * `circuitMinCalls` attempts, i.e. a quarter as many calls with 3 retries each. The same
 * thresholds apply to each instance and to the service as a whole.
 */
export function breakerOptions(policy: Policy): { instance: BreakerOptions; service: BreakerOptions } {
  const sampling = {
    threshold: policy.circuitFailureRate,
    durationMs: policy.circuitWindowMs,
    minimumRps: policy.circuitMinCalls / (policy.circuitWindowMs / 1000),
  };
  const breaker: BreakerOptions = { sampling, halfOpenAfterMs: policy.circuitHalfOpenMs };
  return { instance: breaker, service: breaker };
}

/**
 * The gateway policy from the configuration. Active health checks are driven by the module's
 * lifecycle (IntegrationsRegistry), so the gateways run no timer of their own.
 */
export function gatewayPolicy(policy: Policy): GatewayPolicy {
  return {
    retryBaseDelayMs: policy.retryBaseDelayMs,
    retryMax: policy.retryMax,
    connectTimeoutMs: policy.connectTimeoutMs,
    readTimeoutMs: policy.readTimeoutMs,
    totalTimeoutMs: policy.totalTimeoutMs,
    healthCheckIntervalMs: 0,
  };
}

export function retryBudget(policy: Policy): RetryBudgetOptions {
  return { ratio: policy.retryBudgetRatio };
}

/**
 * Where OAuth 2.0 tokens are kept: in Redis when the deployment has one (one token, and one token
 * request at a time, for every instance), else in this process.
 */
export function createTokenStore(redis: Redis | null, keyPrefix: string): TokenStore {
  return redis ? new RedisTokenStore(redis, { prefix: keyPrefix }) : new InMemoryTokenStore();
}

export interface GatewayDependencies {
  /** One axios instance per service (`HttpService.axiosRef`). */
  http: Record<IntegrationName, AxiosInstance>;
  /** Shared keep-alive agents (connect timeout); the caller destroys them on shutdown. */
  agents: KeepAliveAgents;
  tokenStore: TokenStore;
  cache?: Cache;
  cacheTtlMs?: number;
  registry?: Registry;
  logger?: GatewayLogger;
  onRetryOutcome?: (recovered: boolean) => void;
  /** Told of each 429 pause a gateway decides, to share it with the other instances. */
  onPause?: (service: IntegrationName, untilMs: number) => void;
}

function authFor(name: IntegrationName, integrations: Integrations, deps: GatewayDependencies): AuthStrategy {
  switch (name) {
    case 'payment': {
      const payment = integrations.payment;
      const provider = new OAuth2TokenProvider({
        service: name,
        tokenUrl: payment.tokenUrl,
        clientId: payment.clientId,
        clientSecret: payment.clientSecret,
        scope: payment.scope,
        http: deps.http.payment,
        agents: deps.agents,
        timeoutMs: Math.min(10_000, integrations.policy.totalTimeoutMs),
        store: deps.tokenStore,
        registry: deps.registry,
        logger: deps.logger,
      });
      return new OAuth2ClientCredentialsAuth(provider);
    }
    case 'email':
      return new ApiKeyAuth(integrations.email.apiKey);
    case 'sms':
      return new BasicAuth(integrations.sms.username, integrations.sms.password);
    case 'maps':
      return new ApiKeyAuth(integrations.maps.apiKey);
  }
}

/** A service is usable once it has instances (and, for OAuth 2.0, a token endpoint). */
export function isConfigured(name: IntegrationName, integrations: Integrations): boolean {
  if (integrations[name].urls.length === 0) return false;
  return name !== 'payment' || integrations.payment.tokenUrl !== '';
}

/** One ServiceGateway per configured service; services without URLs get none. */
export function createGateways(
  integrations: Integrations,
  deps: GatewayDependencies,
): Map<IntegrationName, ServiceGateway> {
  const gateways = new Map<IntegrationName, ServiceGateway>();
  for (const name of INTEGRATION_NAMES) {
    if (!isConfigured(name, integrations)) continue;
    gateways.set(
      name,
      new ServiceGateway({
        name,
        urls: integrations[name].urls,
        http: deps.http[name],
        agents: deps.agents,
        policy: gatewayPolicy(integrations.policy),
        breakers: breakerOptions(integrations.policy),
        retryBudget: retryBudget(integrations.policy),
        auth: authFor(name, integrations, deps),
        cache: deps.cache,
        cacheTtlMs: deps.cacheTtlMs,
        registry: deps.registry,
        logger: deps.logger,
        onRetryOutcome: deps.onRetryOutcome,
        rateLimit: deps.onPause ? { onPause: (untilMs) => deps.onPause?.(name, untilMs) } : undefined,
      }),
    );
  }
  return gateways;
}
