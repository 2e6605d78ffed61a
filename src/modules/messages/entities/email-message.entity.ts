import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An email handed to the email service, with the service's id and status. */
@Entity({ name: 'email_messages' })
export class EmailMessage {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id!: string;

  @Column({ name: 'provider_message_id', type: 'varchar', length: 64 })
  providerMessageId!: string;

  @Column({ type: 'varchar', length: 32 })
  status!: string;

  @Column({ name: 'recipient', type: 'varchar', length: 254 })
  to!: string;

  @Column({ type: 'varchar', length: 998 })
  subject!: string;

  @Column({ name: 'body_text', type: 'text' })
  text!: string;

  /** Set by callers that must send at most once per key (e.g. one email per webhook event). */
  @Column({ name: 'idempotency_key', type: 'varchar', length: 255, nullable: true })
  idempotencyKey!: string | null;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt!: Date;
}
