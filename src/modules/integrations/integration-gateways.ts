import type { AxiosInstance } from 'axios';
import type { Cache } from 'cache-manager';
import type { Registry } from 'prom-client';
import {
  breakerOptions,
  gatewayPolicy,
  retryBudget,
  ServiceGateway,
  type GatewayLogger,
  type KeepAliveAgents,
  type TokenStore,
} from '../../gateway/index.js';
import { registeredIntegrations, type Integrations } from './integration-catalog.js';

export interface GatewayDependencies {
  /** One axios instance per integration (`HttpService.axiosRef`), by name. */
  http: Record<string, AxiosInstance>;
  /** Shared keep-alive agents (connect timeout); the caller destroys them on shutdown. */
  agents: KeepAliveAgents;
  tokenStore: TokenStore;
  cache?: Cache;
  cacheTtlMs?: number;
  registry?: Registry;
  logger?: GatewayLogger;
  onRetryOutcome?: (recovered: boolean) => void;
  /** Told of each 429 pause a gateway decides, to share it with the other instances. */
  onPause?: (service: string, untilMs: number) => void;
}

/** One ServiceGateway per registered and configured integration; the others get none. */
export function createGateways(integrations: Integrations, deps: GatewayDependencies): Map<string, ServiceGateway> {
  const gateways = new Map<string, ServiceGateway>();
  const { policy } = integrations;
  for (const integration of registeredIntegrations()) {
    if (!integration.isConfigured(integrations)) continue;
    const { name } = integration;
    const http = deps.http[name];
    const { agents, tokenStore, registry, logger } = deps;
    gateways.set(
      name,
      new ServiceGateway({
        name,
        urls: integration.urls(integrations),
        http,
        agents: deps.agents,
        policy: gatewayPolicy(policy),
        breakers: breakerOptions(policy),
        retryBudget: retryBudget(policy),
        auth: integration.auth(integrations, { http, agents, tokenStore, policy, registry, logger }),
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
