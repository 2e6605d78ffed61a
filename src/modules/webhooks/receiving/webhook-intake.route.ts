import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { RawBodyRoutes, type RawBodyRoute } from '../../../common/http/raw-body-routes.js';
import type { AppConfig } from '../../../config/app.config.js';
import { registerWebhookIntake, WEBHOOK_PREFIX } from './webhook-intake.js';
import { documentWebhookReceiver } from './webhook-receiver.openapi.js';
import { WebhookReceiverService } from './webhook-receiver.service.js';

/**
 * `POST /api/v1/webhooks/{source}`, the webhooks module's raw-body route: the intake (gate, raw body, size
 * limit) in front of the receiver. It adds itself to RawBodyRoutes when built, so configureApp mounts it
 * with the app-wide hooks in place without knowing the module.
 */
@Injectable()
export class WebhookIntakeRoute implements RawBodyRoute {
  readonly paths = [`${WEBHOOK_PREFIX}/{source}`];
  private readonly settings: AppConfig['webhooks'];

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly receiver: WebhookReceiverService,
    routes: RawBodyRoutes,
  ) {
    this.settings = config.get('webhooks', { infer: true });
    routes.add(this);
  }

  mount(fastify: FastifyInstance): void {
    registerWebhookIntake(fastify, {
      sources: this.settings.sources,
      maxBytes: this.settings.maxBytes,
      handle: (delivery, request, reply) => this.receiver.receive(delivery, request, reply),
      onReject: (reason, source) => this.receiver.rejected(reason, source),
      logger: new Logger('Webhooks'),
    });
  }

  document(document: OpenAPIObject): void {
    documentWebhookReceiver(document, this.settings.maxBytes);
  }
}
