import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A text message handed to the SMS service, with the service's id and status. */
@Entity({ name: 'sms_messages' })
export class SmsMessage {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id!: string;

  @Column({ name: 'provider_message_id', type: 'varchar', length: 64 })
  providerMessageId!: string;

  @Column({ type: 'varchar', length: 32 })
  status!: string;

  @Column({ name: 'recipient', type: 'varchar', length: 16 })
  to!: string;

  @Column({ type: 'varchar', length: 1600 })
  body!: string;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 255, nullable: true })
  idempotencyKey!: string | null;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt!: Date;
}
