// The outbound gateway: a library with no knowledge of any particular service. It may import
// src/common, src/config and src/database, never src/modules.
export { ApiKeyAuth, BasicAuth, NoAuth, OAuth2ClientCredentialsAuth } from './auth-strategies.js';
export type { AuthKind, AuthSnapshot, AuthStrategy } from './auth-strategies.js';
export type { BreakerOptions, BreakerStateName } from './circuit-breaker.js';
export { breakerOptions, createTokenStore, gatewayPolicy, retryBudget } from './gateway-config.js';
export type { GatewayPolicyConfig } from './gateway-config.js';
export { GatewayMetrics } from './gateway-metrics.js';
export { DEFAULT_GATEWAY_POLICY, DEFAULT_INSTANCE_BREAKER, DEFAULT_SERVICE_BREAKER } from './gateway-types.js';
export type {
  GatewayLogger,
  GatewayPolicy,
  GatewayRequest,
  GatewayResponse,
  HttpMethod,
  IntegrationSnapshot,
  ServiceGatewayOptions,
  ValidatedRequest,
} from './gateway-types.js';
export type { InstanceSnapshot } from './instance-pool.js';
export { createKeepAliveAgents } from './keep-alive-agent.js';
export type { KeepAliveAgents } from './keep-alive-agent.js';
export { GATEWAY_MESSAGES } from './messages.js';
export { InMemoryTokenStore, OAuth2TokenProvider } from './oauth2-token-provider.js';
export type { OAuth2ClientCredentialsOptions, TokenSnapshot, TokenStore } from './oauth2-token-provider.js';
export { UpstreamRateLimiter } from './rate-limiter.js';
export { RedisPauseBus } from './redis-pause-bus.js';
export { RedisTokenStore } from './redis-token-store.js';
export { ServiceGateway } from './service-gateway.js';
export { UpstreamException } from './upstream-errors.js';
export type { AttemptOutcome, UpstreamReason } from './upstream-errors.js';
