import { ConfigService } from '@nestjs/config';
import { DiscoveryModule } from '@nestjs/core';
import { FeatureModule } from '../../common/resource/module-manifest.js';
import type { AppConfig } from '../../config/app.config.js';
import { webhookEventEntity } from './entities/webhook-event.entity.js';
import { BullMqWebhookQueue } from './dispatch/bullmq.queue.js';
import { InProcessWebhookQueue } from './dispatch/in-process.queue.js';
import { WEBHOOK_QUEUE, type WebhookQueue } from './dispatch/webhook-queue.js';
import { WebhookEventsController } from './webhook-events.controller.js';
import { WebhookEventsService } from './webhook-events.service.js';
import { WebhookHandlerRegistry } from './handlers/webhook-handler.registry.js';
import { WebhookInbox } from './inbox/webhook-inbox.service.js';
import { WebhookLeases } from './dispatch/webhook-leases.js';
import { WebhookMetrics } from './webhook-metrics.js';
import { WebhookIntakeRoute } from './receiving/webhook-intake.route.js';
import { WebhookReceiverService } from './receiving/webhook-receiver.service.js';
import { WebhookStatus } from './webhook-status.js';
import { WebhookSubmitter } from './inbox/webhook-submitter.js';
import { WebhookWorker } from './dispatch/webhook-worker.service.js';

/**
 * Webhook receiving (contract §6): the receiver (a raw-body route, WebhookIntakeRoute, that configureApp mounts),
 * the inbox, the dispatch queue (in-process, or BullMQ when REDIS_URL is set), the workers and sweeper,
 * the handler registry (`@WebhookHandler`), inspection and replay.
 */
@FeatureModule({
  // Its migrations predate the manifests (migrations/index.ts).
  manifest: {
    entities: [webhookEventEntity],
    apiTags: {
      'webhook-events':
        'The durable inbox of received webhooks: list and inspect them, and replay one. Empty until a source delivers one.',
      webhooks:
        'Where external services deliver webhooks, authenticated by their signature (not by a token): called by ' +
        'those services, not by a client.',
    },
  },
  imports: [DiscoveryModule],
  controllers: [WebhookEventsController],
  providers: [
    {
      provide: WEBHOOK_QUEUE,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>): Promise<WebhookQueue> | WebhookQueue => {
        const redis = config.get('redis', { infer: true });
        return redis.url ? BullMqWebhookQueue.create(redis.url, redis.keyPrefix) : new InProcessWebhookQueue();
      },
    },
    WebhookInbox,
    WebhookLeases,
    WebhookMetrics,
    WebhookHandlerRegistry,
    WebhookReceiverService,
    WebhookIntakeRoute,
    WebhookWorker,
    WebhookEventsService,
    WebhookStatus,
    WebhookSubmitter,
  ],
  exports: [WebhookSubmitter],
})
export class WebhooksModule {}
