import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { idColumn, types } from './helpers.js';

/**
 * The webhook inbox: one row per (source, external event id), with the body exactly as received
 * (blob / bytea, never a re-serialised JSON column) and the worker's claim state.
 */
export class WebhookEvents1733000000000 implements MigrationInterface {
  name = 'WebhookEvents1733000000000';

  async up(runner: QueryRunner): Promise<void> {
    const t = types(runner);
    await runner.createTable(
      new Table({
        name: 'webhook_events',
        columns: [
          idColumn(),
          { name: 'source', type: 'varchar', length: '100' },
          { name: 'external_event_id', type: 'varchar', length: '255' },
          { name: 'type', type: 'varchar', length: '255' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'body', type: t.blob },
          { name: 'headers', type: t.text },
          { name: 'received_at', type: t.timestamp },
          { name: 'signed_at', type: t.timestamp, isNullable: true },
          { name: 'available_at', type: t.timestamp },
          { name: 'lease_until', type: t.timestamp, isNullable: true },
          { name: 'lease_owner', type: 'varchar', length: '64', isNullable: true },
          { name: 'last_error', type: t.text, isNullable: true },
          { name: 'processed_at', type: t.timestamp, isNullable: true },
          { name: 'updated_at', type: t.timestamp },
        ],
        uniques: [{ name: 'uq_webhook_events_source_event', columnNames: ['source', 'external_event_id'] }],
      }),
    );
    // The sweeper and the backlog gauges look rows up by status and due time.
    await runner.createIndex(
      'webhook_events',
      new TableIndex({ name: 'ix_webhook_events_status_available', columnNames: ['status', 'available_at'] }),
    );
    await runner.createIndex(
      'webhook_events',
      new TableIndex({ name: 'ix_webhook_events_received_at', columnNames: ['received_at'] }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('webhook_events');
  }
}
