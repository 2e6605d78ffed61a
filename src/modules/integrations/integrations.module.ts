import { HttpService } from '@nestjs/axios';
import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { ConfigService } from '@nestjs/config';
import axios from 'axios';
import type { Cache } from 'cache-manager';
import type { Redis } from 'ioredis';
import { PinoLogger } from 'nestjs-pino';
import { PACKAGE } from '../../common/observability/app-info.js';
import { MetricsService } from '../../common/observability/metrics.service.js';
import { SlaWindow } from '../../common/observability/sla-window.js';
import { FeatureModule } from '../../common/resource/module-manifest.js';
import type { AppConfig } from '../../config/app.config.js';
import { REDIS } from '../../database/redis.module.js';
import { createKeepAliveAgents, createTokenStore, RedisPauseBus, type GatewayLogger } from '../../gateway/index.js';
import { registeredIntegrations } from './integration-catalog.js';
import { createGateways } from './integration-gateways.js';
import { IntegrationsController } from './integrations.controller.js';
import { INTEGRATIONS_MESSAGES } from './integrations.messages.js';
import { INTEGRATION_GATEWAYS, IntegrationsRegistry, type IntegrationGateways } from './integrations.registry.js';

/** One @nestjs/axios HttpService (its own axios instance) per external service. */
export const INTEGRATION_HTTP = Symbol('INTEGRATION_HTTP');
export type IntegrationHttp = Record<string, HttpService>;

/**
 * The outbound side (contract §5) as operations see it: a ServiceGateway for each integration the
 * feature modules declared (integration-catalog.ts), built from the configuration, handed to their
 * clients by IntegrationsRegistry, and `/api/v1/integrations`.
 */
@FeatureModule({
  manifest: {
    messages: INTEGRATIONS_MESSAGES,
    apiTags: {
      integrations:
        'The external services behind the gateway (payment, email, SMS, maps): their health, circuit and token state, ' +
        'and geocoding through the maps service.',
    },
  },
  controllers: [IntegrationsController],
  providers: [
    {
      provide: INTEGRATION_HTTP,
      useFactory: (): IntegrationHttp => {
        const userAgent = `${PACKAGE.name}/${PACKAGE.version}`;
        return Object.fromEntries(
          registeredIntegrations().map(({ name }) => [
            name,
            new HttpService(axios.create({ headers: { 'User-Agent': userAgent } })),
          ]),
        );
      },
    },
    {
      provide: INTEGRATION_GATEWAYS,
      inject: [ConfigService, CACHE_MANAGER, MetricsService, SlaWindow, PinoLogger, INTEGRATION_HTTP, REDIS],
      useFactory: (
        config: ConfigService<AppConfig, true>,
        cache: Cache,
        metrics: MetricsService,
        sla: SlaWindow,
        pino: PinoLogger,
        http: IntegrationHttp,
        redis: Redis | null,
      ): IntegrationGateways => {
        pino.setContext('Integrations');
        const logger: GatewayLogger = {
          info: (obj, msg) => pino.info(obj, msg),
          warn: (obj, msg) => pino.warn(obj, msg),
        };
        const integrations = config.get('integrations', { infer: true });
        const agents = createKeepAliveAgents({ connectTimeoutMs: integrations.policy.connectTimeoutMs });
        const keyPrefix = config.get('redis.keyPrefix', { infer: true });
        // A subscribed Redis connection can run nothing else: the bus gets its own.
        const anyConfigured = registeredIntegrations().some((i) => i.isConfigured(integrations));
        const pauseBus =
          redis && anyConfigured
            ? new RedisPauseBus(redis, redis.duplicate({ connectionName: 'integrations-pause' }), keyPrefix)
            : undefined;
        const gateways = createGateways(integrations, {
          http: Object.fromEntries(Object.entries(http).map(([name, service]) => [name, service.axiosRef])),
          agents,
          tokenStore: createTokenStore(redis, keyPrefix),
          cache,
          cacheTtlMs: config.get('cache.ttlMs', { infer: true }),
          registry: metrics.registry,
          logger,
          onRetryOutcome: (recovered) => sla.recordRetry(recovered),
          onPause: pauseBus ? (service, untilMs) => pauseBus.publish(service, untilMs) : undefined,
        });
        return { gateways, agents, pauseBus };
      },
    },
    IntegrationsRegistry,
  ],
  exports: [IntegrationsRegistry],
})
export class IntegrationsModule {}
