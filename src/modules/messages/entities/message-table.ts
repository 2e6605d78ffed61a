import { Column, Entity, Index, PrimaryColumn, Unique, type ColumnOptions } from 'typeorm';

/** The columns every recorded message (email, SMS) has besides its content. */
export abstract class MessageRecord {
  id!: string;
  providerMessageId!: string;
  status!: string;
  to!: string;
  /** Set by callers that must send at most once per key (e.g. one email per webhook event). */
  idempotencyKey!: string | null;
  createdAt!: Date;
  updatedAt!: Date;
}

export interface MessageTableOptions {
  /** The longest recipient the kind allows (an address, a phone number). */
  recipientLength: number;
  /** The kind's own columns, by property, in the table's order. */
  content: Record<string, ColumnOptions>;
}

/**
 * The entity of one message kind (a subclass of MessageRecord declaring its content properties): the shared
 * columns around the kind's, registered here in the table's order (the migrations'). Decorators on the base
 * class would register the shared columns first, which reorders what TypeORM makes of the table.
 */
export function MessageTable(name: string, { recipientLength, content }: MessageTableOptions): ClassDecorator {
  return (target) => {
    const proto = target.prototype as object;
    PrimaryColumn({ type: 'varchar', length: 40 })(proto, 'id');
    Column({ name: 'provider_message_id', type: 'varchar', length: 64 })(proto, 'providerMessageId');
    Column({ type: 'varchar', length: 32 })(proto, 'status');
    Column({ name: 'recipient', type: 'varchar', length: recipientLength })(proto, 'to');
    for (const [property, options] of Object.entries(content)) Column(options)(proto, property);
    Column({ name: 'idempotency_key', type: 'varchar', length: 255, nullable: true })(proto, 'idempotencyKey');
    Column({ name: 'created_at', type: Date })(proto, 'createdAt');
    Column({ name: 'updated_at', type: Date })(proto, 'updatedAt');
    // As the migration (1733100000000) creates them.
    Unique(`uq_${name}_idempotency_key`, ['idempotencyKey'])(target);
    Index(`ix_${name}_created_at`, ['createdAt'])(target);
    Entity({ name })(target);
  };
}
