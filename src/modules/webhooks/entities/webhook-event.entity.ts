import { Column, Entity, PrimaryColumn } from 'typeorm';

export const WEBHOOK_EVENT_STATUSES = ['pending', 'processing', 'retrying', 'processed', 'ignored', 'dead'] as const;
export type WebhookEventStatus = (typeof WEBHOOK_EVENT_STATUSES)[number];

/**
 * One received webhook (table `webhook_events`). The raw body is not mapped here: its column is a
 * blob on SQLite and a bytea on PostgreSQL, which one entity cannot declare for both, so the inbox
 * reads and writes it with SQL (webhook-inbox.service.ts). Dates are `Date` (datetime / timestamp).
 */
@Entity({ name: 'webhook_events' })
export class WebhookEvent {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  source!: string;

  @Column({ name: 'external_event_id', type: 'varchar', length: 255 })
  externalEventId!: string;

  @Column({ type: 'varchar', length: 255 })
  type!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: WebhookEventStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  /** JSON object of the delivery headers kept (see KEPT_HEADERS). */
  @Column({ type: 'text' })
  headers!: string;

  @Column({ name: 'received_at', type: Date })
  receivedAt!: Date;

  /** The timestamp the sender signed (standard, stripe); null for github. */
  @Column({ name: 'signed_at', type: Date, nullable: true })
  signedAt!: Date | null;

  /** Earliest time a worker may claim it (now for new events, the backoff for retries). */
  @Column({ name: 'available_at', type: Date })
  availableAt!: Date;

  @Column({ name: 'lease_until', type: Date, nullable: true })
  leaseUntil!: Date | null;

  @Column({ name: 'lease_owner', type: 'varchar', length: 64, nullable: true })
  leaseOwner!: string | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'processed_at', type: Date, nullable: true })
  processedAt!: Date | null;

  @Column({ name: 'updated_at', type: Date })
  updatedAt!: Date;
}
