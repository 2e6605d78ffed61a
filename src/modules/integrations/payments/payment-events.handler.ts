import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../../../config/app.config.js';
import { UsersService } from '../../users/users.service.js';
import { WebhookHandler, type InboxEvent } from '../../webhooks/webhook-handler.decorator.js';
import { EmailMessagesService } from '../messages/email-messages.service.js';
import { PaymentsService } from './payments.service.js';

interface PaymentEventPayload {
  id?: string;
  type?: string;
  created?: number;
  data?: { id?: string; status?: string; amount?: number; currency?: string; reference?: string };
}

/** Thrown for a payload the handler cannot use: retrying will not help, so the event goes dead. */
class UnusablePaymentEvent extends Error {}

/**
 * `payment.succeeded` / `payment.failed` from the payment service: settle the payment row in the
 * worker's transaction (older events never overwrite newer ones), then tell the user by email,
 * exactly once per event — the message is keyed on the event id, so a retry or a replay finds it.
 */
@Injectable()
export class PaymentEventsHandler {
  private readonly logger = new Logger(PaymentEventsHandler.name);

  constructor(
    private readonly payments: PaymentsService,
    private readonly emails: EmailMessagesService,
    private readonly users: UsersService,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  @WebhookHandler('payment-service', 'payment.succeeded')
  @WebhookHandler('payment-service', 'payment.failed')
  async settle(event: InboxEvent, manager: EntityManager): Promise<void> {
    const payload = (event.payload ?? {}) as PaymentEventPayload;
    const providerPaymentId = payload.data?.id;
    if (!providerPaymentId) throw new UnusablePaymentEvent(`event ${event.eventId} has no data.id`);
    const status = event.type === 'payment.succeeded' ? 'succeeded' : 'failed';
    const occurredAt = typeof payload.created === 'number' ? new Date(payload.created * 1000) : event.receivedAt;
    const { payment, changed } = await this.payments.settleFromWebhook(manager, {
      providerPaymentId,
      status,
      occurredAt,
      eventId: event.eventId,
      reference: payload.data?.reference,
    });
    if (!payment) {
      // Not ours (or not yet known): recorded as processed with a log line; a replay can re-run it.
      this.logger.warn({ eventId: event.eventId, providerPaymentId }, 'payment event for an unknown payment');
      return;
    }
    if (!changed) return;
    const user = await this.users.findInTransaction(manager, payment.userId);
    const to = user?.email ?? this.config.get('webhooks.notifyEmail', { infer: true });
    if (!to) return;
    const amount = `${payment.amount} ${payment.currency}`;
    await this.emails.send(
      {
        to,
        subject:
          status === 'succeeded' ? `Payment ${payment.paymentId} completed` : `Payment ${payment.paymentId} failed`,
        text:
          status === 'succeeded'
            ? `Your payment of ${amount} (${payment.paymentId}) has completed.`
            : `Your payment of ${amount} (${payment.paymentId}) could not be completed.`,
      },
      { idempotencyKey: `webhook:${event.eventId}`, manager, requestId: event.eventId },
    );
  }
}
