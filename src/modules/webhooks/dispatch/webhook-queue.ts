/** Processes one event id (claims it, runs its handler); resolves when that attempt is over. */
export type WebhookConsumer = (eventId: string) => Promise<void>;

/**
 * Dispatch only: the inbox table is the source of truth, so a lost or duplicated message costs nothing
 * (the sweeper re-dispatches what no worker holds; the claim lets one worker run an event at a time).
 */
export interface WebhookQueue {
  readonly kind: 'in-process' | 'bullmq';
  /** Starts consuming with `concurrency` events at a time (0: this instance only enqueues). */
  start(consumer: WebhookConsumer, concurrency: number): Promise<void>;
  /**
   * Dispatches `eventId` after `delayMs`. Messages with the same `key` (default: the event id) collapse
   * while one is still waiting, so the sweeper can re-dispatch freely.
   */
  enqueue(eventId: string, delayMs?: number, key?: string): Promise<void>;
  /** Usable now (BullMQ: Redis answers). */
  ready(): Promise<boolean>;
  details(): Promise<Record<string, unknown>>;
  /** Stops taking work and waits (bounded) for the attempts in flight. */
  close(): Promise<void>;
}

export const WEBHOOK_QUEUE = Symbol('WEBHOOK_QUEUE');

/** How long close() waits for attempts in flight; their leases cover anything cut short. */
export const CLOSE_WAIT_MS = 5000;
