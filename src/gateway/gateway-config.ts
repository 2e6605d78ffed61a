import type { Redis } from 'ioredis';
import type { AppConfig } from '../config/app.config.js';
import type { BreakerOptions } from './circuit-breaker.js';
import type { GatewayPolicy } from './gateway-types.js';
import { InMemoryTokenStore, type TokenStore } from './oauth2-token-provider.js';
import { RedisTokenStore } from './redis-token-store.js';
import type { RetryBudgetOptions } from './retry-policy.js';

/** The resilience settings every gateway shares (`HTTP_*`, `RETRY_*`, `CIRCUIT_*`). */
export type GatewayPolicyConfig = AppConfig['integrations']['policy'];

/**
 * Breakers on the failure rate, not on consecutive failures: with two instances answering 20 %
 * errors at random, five in a row on one instance happen every few thousand calls and a
 * consecutive-count breaker would take healthy instances out. The minimum number of attempts in
 * the window keeps a few unlucky first attempts from opening it (with a minimum of 5, 3 failures
 * out of the first 5 at a 20 % error rate is a 6 % chance); a dead service still opens it after
 * `circuitMinCalls` attempts, i.e. a quarter as many calls with 3 retries each. The same
 * thresholds apply to each instance and to the service as a whole.
 */
export function breakerOptions(policy: GatewayPolicyConfig): { instance: BreakerOptions; service: BreakerOptions } {
  const sampling = {
    threshold: policy.circuitFailureRate,
    durationMs: policy.circuitWindowMs,
    minimumRps: policy.circuitMinCalls / (policy.circuitWindowMs / 1000),
  };
  const breaker: BreakerOptions = { sampling, halfOpenAfterMs: policy.circuitHalfOpenMs };
  return { instance: breaker, service: breaker };
}

/**
 * The gateway policy from the configuration. Active health checks are driven by the owner's
 * lifecycle (a timer calling `checkHealth()`), so the gateways run no timer of their own.
 */
export function gatewayPolicy(policy: GatewayPolicyConfig): GatewayPolicy {
  return {
    retryBaseDelayMs: policy.retryBaseDelayMs,
    retryMax: policy.retryMax,
    connectTimeoutMs: policy.connectTimeoutMs,
    readTimeoutMs: policy.readTimeoutMs,
    totalTimeoutMs: policy.totalTimeoutMs,
    healthCheckIntervalMs: 0,
  };
}

export function retryBudget(policy: GatewayPolicyConfig): RetryBudgetOptions {
  return { ratio: policy.retryBudgetRatio };
}

/**
 * Where OAuth 2.0 tokens are kept: in Redis when the deployment has one (one token, and one token
 * request at a time, for every instance), else in this process.
 */
export function createTokenStore(redis: Redis | null, keyPrefix: string): TokenStore {
  return redis ? new RedisTokenStore(redis, { prefix: keyPrefix }) : new InMemoryTokenStore();
}
