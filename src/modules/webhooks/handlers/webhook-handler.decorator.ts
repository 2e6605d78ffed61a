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
 *     // The receipt goes out after the commit; the event id keeps it to one per event.
 *     event.afterCommit(async () => {
 *       const sent = await this.mailer.send(receiptFor(data), { idempotencyKey: event.eventId });
 *       return (m) => m.insert(Receipt, { eventId: event.eventId, providerId: sent.id });
 *     });
 *   }
 * }
 * ```
 *
 * Contract:
 * - `source` is the receiver's path segment (`/api/v1/webhooks/{source}`), `type` the event type the
 *   verifier read (payload `type`, or `X-GitHub-Event`). One handler per (source, type); a second one
 *   fails the bootstrap. A method may carry several decorators. Events of a type with no handler are
 *   stored and marked `ignored`.
 * - The handler runs inside a database transaction: write through `manager` only, so the business
 *   update and the event's state commit or roll back together. Throwing rolls it back and the event is
 *   retried with exponential backoff, then `dead` after `WEBHOOK_MAX_ATTEMPTS` (an operator can replay it).
 * - Never call out (HTTP, email, payment) from the handler body: the transaction would hold its locks (on
 *   SQLite the one write lock, every webhook acknowledgement included) for as long as the call takes.
 *   Declare the call with `event.afterCommit(effect)` instead: the handler's transaction records the
 *   intent and commits, `effect` then runs outside any transaction, and what it returns records the
 *   outcome in a second short transaction that also marks the event `processed`. An effect that throws
 *   fails the attempt like the handler would (retry, then `dead`); the handler itself then runs again.
 * - At-least-once: a retry after a crash, or a replay, runs the handler (and its effects) again for the
 *   same event. Make effects idempotent on an id of the event (e.g. the provider's Idempotency-Key), and
 *   let the handler skip an effect whose outcome it finds recorded already.
 * - Keep the handler body short. The event's lease (`WEBHOOK_LEASE_MS`) is renewed while the handler
 *   and its effects run, so a long effect keeps the event; a stopped worker's events are retaken about
 *   one lease after it stopped.
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
  /**
   * Declares a call to make once this handler's transaction has committed, outside any transaction
   * (see the contract on `WebhookHandler`). Effects run in order; each may return an `OutcomeWriter`,
   * run in the short transaction that then marks the event `processed`.
   */
  afterCommit(effect: AfterCommitEffect): void;
}

/** Records what an after-commit effect did, in the transaction that marks the event `processed`. */
export type OutcomeWriter = (manager: EntityManager) => Promise<void>;

/** An outbound call a handler declared; runs after its transaction committed, never inside one. */
export type AfterCommitEffect = () => Promise<OutcomeWriter | void>;

/** The source of follow-up events (InboxEvent.followUp); no webhook sender may use it. */
export const INTERNAL_SOURCE = 'internal';

export type WebhookHandlerFn = (event: InboxEvent, manager: EntityManager) => Promise<void>;
