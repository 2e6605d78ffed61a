import type { EntityManager } from 'typeorm';

export const WEBHOOK_HANDLER_METADATA = 'webhooks:handler';

export interface WebhookHandlerKey {
  source: string;
  type: string;
}

/**
 * The stable API for teams that act on webhooks: decorate a method of any provider, in any module,
 * and the webhooks module finds it at bootstrap (no registration anywhere else).
 *
 * ```ts
 * @Injectable()
 * export class PaymentWebhooks {
 *   @WebhookHandler('payment-service', 'payment.succeeded')
 *   async settle(event: InboxEvent, manager: EntityManager): Promise<void> {
 *     const data = (event.payload as { data: { id: string } }).data;
 *     await manager.update(Payment, { providerId: data.id }, { status: 'succeeded' });
 *   }
 * }
 * ```
 *
 * Contract:
 * - `source` is the receiver's path segment (`/api/v1/webhooks/{source}`), `type` the event type the
 *   verifier read (payload `type`, or `X-GitHub-Event`). One handler per (source, type); a second one
 *   fails the bootstrap. A method may carry several decorators. Events of a type with no handler are
 *   stored and marked `ignored`.
 * - The handler runs inside the transaction that marks the event `processed`: write through
 *   `manager` only, so the business update and the event's state commit or roll back together.
 *   Throwing rolls both back and the event is retried with exponential backoff, then `dead` after
 *   `WEBHOOK_MAX_ATTEMPTS` (an operator can replay it).
 * - At-least-once: a retry after a crash, or a replay, runs the handler again for the same event.
 *   Make side effects outside the transaction (e.g. an email) idempotent on `event.eventId`.
 * - Keep it short: the event's lease (`WEBHOOK_LEASE_MS`) must outlast it, and on SQLite the one
 *   database connection is held by this transaction while it runs.
 */
export function WebhookHandler(source: string, type: string): MethodDecorator {
  if (!source || !type) throw new Error('@WebhookHandler needs a source and a type');
  return (_target, _key, descriptor) => {
    const method = descriptor.value as object | undefined;
    if (typeof method !== 'function') throw new Error('@WebhookHandler decorates methods only');
    const existing = (Reflect.getMetadata(WEBHOOK_HANDLER_METADATA, method) as WebhookHandlerKey[] | undefined) ?? [];
    Reflect.defineMetadata(WEBHOOK_HANDLER_METADATA, [...existing, { source, type }], method);
    return descriptor;
  };
}

/** What a handler receives: the stored event, its body parsed. */
export interface InboxEvent {
  /** Our id (`/api/v1/webhook-events/{eventId}`). */
  eventId: string;
  source: string;
  /** The sender's id, the deduplication key (`webhook-id`, payload `id`, `X-GitHub-Delivery`). */
  externalEventId: string;
  type: string;
  /** The body parsed as JSON; undefined when it is not JSON (possible for github form deliveries). */
  payload: unknown;
  /** The body exactly as received. */
  body: Buffer;
  /** The delivery headers kept with the event (lower-case names). */
  headers: Readonly<Record<string, string>>;
  receivedAt: Date;
  /** This attempt, from 1. */
  attempt: number;
  /**
   * Records a follow-up event (source `internal`) in this handler's transaction: it exists only if
   * the handler commits, and a worker then runs it like any event, with its own retries, `dead` state
   * and replay. For side effects that must not undo this handler's work when they fail (a
   * notification after a settlement). One per (this event, type): a replay does not repeat it.
   */
  followUp(type: string, payload: unknown): Promise<void>;
}

/** The source of follow-up events (InboxEvent.followUp); no webhook sender may use it. */
export const INTERNAL_SOURCE = 'internal';

export type WebhookHandlerFn = (event: InboxEvent, manager: EntityManager) => Promise<void>;
