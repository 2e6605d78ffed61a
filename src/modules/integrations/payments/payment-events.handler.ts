import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../../../config/app.config.js';
import { UsersService } from '../../users/users.service.js';
import { INTERNAL_SOURCE, WebhookHandler, type InboxEvent } from '../../webhooks/index.js';
import { EmailMessagesService } from '../messages/email-messages.service.js';
import { PaymentsService } from './payments.service.js';

interface PaymentEventPayload {
  id?: string;
  type?: string;
  created?: number;
  data?: { id?: string; status?: string; amount?: number; currency?: string; reference?: string };
}

/** The follow-up event a settlement records; its handler emails the user. */
export const PAYMENT_NOTIFICATION = 'payment.notification';

interface PaymentNotification {
  paymentId: string;
  userId: string;
  status: 'succeeded' | 'failed';
  amount: number;
  currency: string;
  /** The webhook event that settled the payment: the email's idempotency key and request id. */
  settledBy: string;
}

/** Thrown for a payload the handler cannot use: retrying will not help, so the event goes dead. */
class UnusablePaymentEvent extends Error {}

/**
 * `payment.succeeded` / `payment.failed` from the payment service: settle the payment row in the
 * worker's transaction (older events never overwrite newer ones) and record a follow-up event; its
 * handler tells the user by email, exactly once per settling event — the message is keyed on that
 * event's id, so a retry or a replay finds it — with its own retries, so an email service that is
 * down delays the email, never the settlement.
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
    // The email is a follow-up event: an email service that is down must not hold the settlement back.
    const notification: PaymentNotification = {
      paymentId: payment.paymentId,
      userId: payment.userId,
      status,
      amount: payment.amount,
      currency: payment.currency,
      settledBy: event.eventId,
    };
    await event.followUp(PAYMENT_NOTIFICATION, notification);
  }

  /**
   * The user's email about a settlement, once per settling event: the handler's transaction reads the
   * user and whether the email was recorded already (a replay); the call goes out after the commit,
   * keyed on the settling event at the provider, and is recorded when the event is marked processed.
   */
  @WebhookHandler(INTERNAL_SOURCE, PAYMENT_NOTIFICATION)
  async notify(event: InboxEvent, manager: EntityManager): Promise<void> {
    const n = event.payload as PaymentNotification;
    const key = `webhook:${n.settledBy}`;
    if (await this.emails.findByKey(key, manager)) return;
    const user = await this.users.findInTransaction(manager, n.userId);
    const to = user?.email ?? this.config.get('webhooks.notifyEmail', { infer: true });
    if (!to) return;
    const amount = `${n.amount} ${n.currency}`;
    const email = {
      to,
      subject: n.status === 'succeeded' ? `Payment ${n.paymentId} completed` : `Payment ${n.paymentId} failed`,
      text:
        n.status === 'succeeded'
          ? `Your payment of ${amount} (${n.paymentId}) has completed.`
          : `Your payment of ${amount} (${n.paymentId}) could not be completed.`,
    };
    event.afterCommit(() => this.emails.deliverForEvent(email, key, n.settledBy));
  }
}
