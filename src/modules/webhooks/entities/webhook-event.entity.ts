import { EntitySchema } from 'typeorm';
import type { DriverEntity } from '../../../common/resource/module-manifest.js';

export const WEBHOOK_EVENT_STATUSES = ['pending', 'processing', 'retrying', 'processed', 'ignored', 'dead'] as const;
export type WebhookEventStatus = (typeof WEBHOOK_EVENT_STATUSES)[number];

/**
 * One received webhook (table `webhook_events`). Dates are `Date` (datetime / timestamp). The raw body is
 * not selected by default: the inbox reads and writes it with SQL (webhook-inbox.service.ts).
 */
export class WebhookEvent {
  id!: string;
  source!: string;
  externalEventId!: string;
  type!: string;
  status!: WebhookEventStatus;
  attempts!: number;
  /** The body exactly as received; loaded only when selected explicitly. */
  body?: Buffer;
  /** JSON object of the delivery headers kept (see KEPT_HEADERS). */
  headers!: string;
  receivedAt!: Date;
  /** The timestamp the sender signed (standard, stripe); null for github. */
  signedAt!: Date | null;
  /** Earliest time a worker may claim it (now for new events, the backoff for retries). */
  availableAt!: Date;
  leaseUntil!: Date | null;
  leaseOwner!: string | null;
  lastError!: string | null;
  processedAt!: Date | null;
  updatedAt!: Date;
}

/**
 * The mapping, as migration 1733000000000 creates the table. A schema rather than decorators: the body is a
 * blob on SQLite and a bytea on PostgreSQL, and a decorator's column type is one for both drivers.
 */
export const webhookEventEntity: DriverEntity = {
  target: WebhookEvent,
  schema: (type) =>
    new EntitySchema<WebhookEvent>({
      name: 'WebhookEvent',
      target: WebhookEvent,
      tableName: 'webhook_events',
      columns: {
        id: { type: 'varchar', length: 40, primary: true },
        source: { type: 'varchar', length: 100 },
        externalEventId: { name: 'external_event_id', type: 'varchar', length: 255 },
        type: { type: 'varchar', length: 255 },
        status: { type: 'varchar', length: 16 },
        attempts: { type: 'integer', default: 0 },
        body: { type: type === 'postgres' ? 'bytea' : 'blob', select: false },
        headers: { type: 'text' },
        receivedAt: { name: 'received_at', type: Date },
        signedAt: { name: 'signed_at', type: Date, nullable: true },
        availableAt: { name: 'available_at', type: Date },
        leaseUntil: { name: 'lease_until', type: Date, nullable: true },
        leaseOwner: { name: 'lease_owner', type: 'varchar', length: 64, nullable: true },
        lastError: { name: 'last_error', type: 'text', nullable: true },
        processedAt: { name: 'processed_at', type: Date, nullable: true },
        updatedAt: { name: 'updated_at', type: Date },
      },
      uniques: [{ name: 'uq_webhook_events_source_event', columns: ['source', 'externalEventId'] }],
      // The sweeper and the backlog gauges look rows up by status and due time.
      indices: [
        { name: 'ix_webhook_events_status_available', columns: ['status', 'availableAt'] },
        { name: 'ix_webhook_events_received_at', columns: ['receivedAt'] },
      ],
    }),
};
