import { HttpService } from '@nestjs/axios';
import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import axios from 'axios';
import type { Cache } from 'cache-manager';
import type { Redis } from 'ioredis';
import { PinoLogger } from 'nestjs-pino';
import { MetricsService } from '../../common/observability/metrics.service.js';
import { SlaWindow } from '../../common/observability/sla-window.js';
import type { AppConfig } from '../../config/app.config.js';
import { REDIS } from '../../database/redis.module.js';
import { PACKAGE } from '../health/app-info.js';
import { UsersModule } from '../users/users.module.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { PaymentClient } from './clients/payment.client.js';
import { EmailClient, SmsClient } from './clients/message.clients.js';
import { MapsClient } from './clients/maps.client.js';
import { createKeepAliveAgents } from './gateway/keep-alive-agent.js';
import { RedisPauseBus } from './gateway/redis-pause-bus.js';
import type { GatewayLogger } from './gateway/service-gateway.js';
import { GeocodeController } from './geocode/geocode.controller.js';
import { GeocodeService } from './geocode/geocode.service.js';
import {
  createGateways,
  createTokenStore,
  INTEGRATION_NAMES,
  isConfigured,
  type IntegrationName,
} from './integration-gateways.js';
import { IntegrationsController } from './integrations.controller.js';
import { INTEGRATION_GATEWAYS, IntegrationsRegistry, type IntegrationGateways } from './integrations.registry.js';
import { EmailMessagesController } from './messages/email-messages.controller.js';
import { EmailMessagesService } from './messages/email-messages.service.js';
import { EmailMessage } from './messages/entities/email-message.entity.js';
import { SmsMessage } from './messages/entities/sms-message.entity.js';
import { SmsMessagesController } from './messages/sms-messages.controller.js';
import { SmsMessagesService } from './messages/sms-messages.service.js';
import { Payment } from './payments/entities/payment.entity.js';
import { PaymentsController } from './payments/payments.controller.js';
import { PaymentsService } from './payments/payments.service.js';
import { PaymentEventsHandler } from './payments/payment-events.handler.js';
import { PaymentReconciler } from './payments/payment-reconciler.js';

/** One @nestjs/axios HttpService (its own axios instance) per external service. */
export const INTEGRATION_HTTP = Symbol('INTEGRATION_HTTP');
export type IntegrationHttp = Record<IntegrationName, HttpService>;

/**
 * The outbound side (contract §5): a ServiceGateway per external service built from the
 * configuration, the clients that call them, and the business resources that use them
 * (payments, email and SMS messages, geocoding) plus `/api/v1/integrations`.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Payment, EmailMessage, SmsMessage]), UsersModule, WebhooksModule],
  controllers: [
    PaymentsController,
    EmailMessagesController,
    SmsMessagesController,
    GeocodeController,
    IntegrationsController,
  ],
  providers: [
    {
      provide: INTEGRATION_HTTP,
      useFactory: (): IntegrationHttp => {
        const userAgent = `${PACKAGE.name}/${PACKAGE.version}`;
        return Object.fromEntries(
          INTEGRATION_NAMES.map((name) => [
            name,
            new HttpService(axios.create({ headers: { 'User-Agent': userAgent } })),
          ]),
        ) as IntegrationHttp;
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
        const anyConfigured = INTEGRATION_NAMES.some((name) => isConfigured(name, integrations));
        const pauseBus =
          redis && anyConfigured
            ? new RedisPauseBus(redis, redis.duplicate({ connectionName: 'integrations-pause' }), keyPrefix)
            : undefined;
        const gateways = createGateways(integrations, {
          http: Object.fromEntries(INTEGRATION_NAMES.map((n) => [n, http[n].axiosRef])) as Record<
            IntegrationName,
            IntegrationHttp[IntegrationName]['axiosRef']
          >,
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
    PaymentClient,
    EmailClient,
    SmsClient,
    MapsClient,
    PaymentsService,
    PaymentEventsHandler,
    PaymentReconciler,
    EmailMessagesService,
    SmsMessagesService,
    GeocodeService,
  ],
  exports: [IntegrationsRegistry, PaymentsService, EmailMessagesService, SmsMessagesService],
})
export class IntegrationsModule {}
