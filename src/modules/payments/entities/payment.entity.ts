import { Column, Entity, Index, PrimaryColumn, Unique, type ValueTransformer } from 'typeorm';

export const PAYMENT_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** PostgreSQL returns `bigint` as a string; amounts stay below 2^53, so a number is exact. */
const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/**
 * A payment asked of the payment service. The row is written before the service is called, so
 * the idempotency key is claimed once; `providerPaymentId` stays null until the service has
 * accepted the payment, and such unconfirmed rows are not shown as payments.
 */
@Entity({ name: 'payments' })
// As migrations 1733100000000 and 1733300000000 create them.
@Unique('uq_payments_provider_payment_id', ['providerPaymentId'])
@Unique('uq_payments_client_idempotency_key', ['clientId', 'idempotencyKey'])
@Index('ix_payments_user_id', ['userId'])
@Index('ix_payments_created_at', ['createdAt'])
@Index('ix_payments_status_created_at', ['status', 'createdAt'])
export class Payment {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 40 })
  userId!: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  amount!: number;

  @Column({ type: 'varchar', length: 3 })
  currency!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: PaymentStatus;

  @Column({ name: 'provider_payment_id', type: 'varchar', length: 64, nullable: true })
  providerPaymentId!: string | null;

  /** The API client (token subject) that asked; idempotency keys are scoped to it. */
  @Column({ name: 'client_id', type: 'varchar', length: 100 })
  clientId!: string;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 255, nullable: true })
  idempotencyKey!: string | null;

  /** SHA-256 of the request body, to tell a replay from a key reused for another payment. */
  @Column({ name: 'request_hash', type: 'varchar', length: 64 })
  requestHash!: string;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt!: Date;

  @Column({ name: 'settled_at', type: Date, nullable: true })
  settledAt!: Date | null;

  /** When the newest webhook event applied to this payment happened (the provider's clock). */
  @Column({ name: 'last_event_at', type: Date, nullable: true })
  lastEventAt!: Date | null;

  @Column({ name: 'last_event_id', type: 'varchar', length: 255, nullable: true })
  lastEventId!: string | null;

  /**
   * The reconciler's claim: no instance looks the payment up at the payment service before this time
   * (set by the one that claimed it, one interval ahead).
   */
  @Column({ name: 'reconcile_after', type: Date, nullable: true })
  reconcileAfter!: Date | null;
}
