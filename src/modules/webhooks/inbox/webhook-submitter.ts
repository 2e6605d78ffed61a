import { Inject, Injectable, Logger } from '@nestjs/common';
import { dispatchOrLeaveToSweeper } from '../dispatch/dispatch.js';
import { WEBHOOK_QUEUE, type WebhookQueue } from '../dispatch/webhook-queue.js';
import { WebhookHandlerRegistry } from '../handlers/webhook-handler.registry.js';
import { WebhookInbox } from './webhook-inbox.service.js';

export interface SubmittedEvent {
  /** A configured webhook source: the event runs through that source's handler, as a delivery would. */
  source: string;
  /** The deduplication key: a second submit (from any instance) with the same one changes nothing. */
  externalEventId: string;
  type: string;
  payload: unknown;
  headers?: Record<string, string>;
}

/**
 * Records an event that did not come in as a delivery (the payment reconciler found a payment's state at
 * the payment service) into the inbox, so it takes the same path as the webhook it stands for: the same
 * handler, retries, `dead` state and replay.
 */
@Injectable()
export class WebhookSubmitter {
  private readonly logger = new Logger('Webhooks');

  constructor(
    private readonly inbox: WebhookInbox,
    private readonly registry: WebhookHandlerRegistry,
    @Inject(WEBHOOK_QUEUE) private readonly queue: WebhookQueue,
  ) {}

  async submit(event: SubmittedEvent): Promise<{ eventId: string; duplicate: boolean }> {
    const handled = this.registry.get(event.source, event.type) !== undefined;
    const stored = await this.inbox.insert({
      status: handled ? 'pending' : 'ignored',
      source: event.source,
      externalEventId: event.externalEventId,
      type: event.type,
      body: Buffer.from(JSON.stringify(event.payload)),
      headers: event.headers ?? {},
    });
    if (handled && !stored.duplicate) {
      await dispatchOrLeaveToSweeper(this.queue, this.logger, `event ${stored.eventId}`, stored.eventId);
    }
    return stored;
  }
}
