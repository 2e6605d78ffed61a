import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';
import { idColumn, timestamps, types } from './helpers.js';

/**
 * The payments module's table and the messages module's two: one migration from before they were split,
 * kept here whole (databases that ran it have its name recorded), so neither module imports the other's.
 */
export class Integrations1733100000000 implements MigrationInterface {
  name = 'Integrations1733100000000';

  async up(runner: QueryRunner): Promise<void> {
    const t = types(runner);
    await runner.createTable(
      new Table({
        name: 'payments',
        columns: [
          idColumn(),
          { name: 'user_id', type: 'varchar', length: '40' },
          { name: 'amount', type: t.bigint },
          { name: 'currency', type: 'varchar', length: '3' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'provider_payment_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'client_id', type: 'varchar', length: '100' },
          { name: 'idempotency_key', type: 'varchar', length: '255', isNullable: true },
          { name: 'request_hash', type: 'varchar', length: '64' },
          ...timestamps(runner),
          { name: 'settled_at', type: t.timestamp, isNullable: true },
          { name: 'last_event_at', type: t.timestamp, isNullable: true },
          { name: 'last_event_id', type: 'varchar', length: '255', isNullable: true },
        ],
        uniques: [
          { name: 'uq_payments_provider_payment_id', columnNames: ['provider_payment_id'] },
          // NULL keys (no Idempotency-Key sent) never clash, on PostgreSQL and SQLite alike.
          { name: 'uq_payments_client_idempotency_key', columnNames: ['client_id', 'idempotency_key'] },
        ],
      }),
    );
    await runner.createIndex('payments', new TableIndex({ name: 'ix_payments_user_id', columnNames: ['user_id'] }));
    await runner.createIndex(
      'payments',
      new TableIndex({ name: 'ix_payments_created_at', columnNames: ['created_at'] }),
    );

    await this.messageTable(runner, 'email_messages', [
      { name: 'recipient', type: 'varchar', length: '254' },
      { name: 'subject', type: 'varchar', length: '998' },
      { name: 'body_text', type: t.text },
    ]);
    await this.messageTable(runner, 'sms_messages', [
      { name: 'recipient', type: 'varchar', length: '16' },
      { name: 'body', type: 'varchar', length: '1600' },
    ]);
  }

  /** Email and SMS messages share their shape; `content` is what differs (recipient, subject, body). */
  private async messageTable(runner: QueryRunner, name: string, content: TableColumnOptions[]): Promise<void> {
    await runner.createTable(
      new Table({
        name,
        columns: [
          idColumn(),
          { name: 'provider_message_id', type: 'varchar', length: '64' },
          { name: 'status', type: 'varchar', length: '32' },
          ...content,
          { name: 'idempotency_key', type: 'varchar', length: '255', isNullable: true },
          ...timestamps(runner),
        ],
        uniques: [{ name: `uq_${name}_idempotency_key`, columnNames: ['idempotency_key'] }],
      }),
    );
    await runner.createIndex(name, new TableIndex({ name: `ix_${name}_created_at`, columnNames: ['created_at'] }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('sms_messages');
    await runner.dropTable('email_messages');
    await runner.dropTable('payments');
  }
}
