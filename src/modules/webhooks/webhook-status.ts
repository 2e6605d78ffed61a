import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { StatusRegistry } from '../../common/observability/status-registry.js';
import { WEBHOOK_QUEUE, type WebhookQueue } from './dispatch/webhook-queue.js';
import { WebhookInbox } from './inbox/webhook-inbox.service.js';
import { WebhookWorker } from './dispatch/webhook-worker.service.js';

/** The webhook backlog on /status, the queue and worker on /debug, the queue in readiness. */
@Injectable()
export class WebhookStatus implements OnModuleInit {
  constructor(
    private readonly registry: StatusRegistry,
    private readonly inbox: WebhookInbox,
    private readonly worker: WebhookWorker,
    @Inject(WEBHOOK_QUEUE) private readonly queue: WebhookQueue,
  ) {}

  onModuleInit(): void {
    this.registry.register('webhooks', {
      status: () => this.status(),
      debug: () => this.worker.details(),
      ready: () => this.queue.ready(),
    });
  }

  /**
   * Counts of the states that need attention (finished states are left out: counting them grows with
   * the table) and the age of the oldest pending event.
   */
  async status(): Promise<Record<string, unknown>> {
    try {
      const b = await this.inbox.backlog();
      return {
        queue: this.queue.kind,
        backlog: { pending: b.pending, retrying: b.retrying, processing: b.processing, dead: b.dead },
        oldestPendingAgeSeconds: b.oldestPendingAt
          ? Math.max(0, Math.round((Date.now() - b.oldestPendingAt.getTime()) / 100) / 10)
          : null,
      };
    } catch {
      return { queue: this.queue.kind, backlog: null, error: 'inbox unavailable' };
    }
  }
}
