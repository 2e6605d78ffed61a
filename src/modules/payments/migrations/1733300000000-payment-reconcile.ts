import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { types } from '../../../../migrations/helpers.js';

/** The payment reconciler's claim column, and the index its scan of old pending payments uses. */
export class PaymentReconcile1733300000000 implements MigrationInterface {
  name = 'PaymentReconcile1733300000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumn(
      'payments',
      new TableColumn({ name: 'reconcile_after', type: types(runner).timestamp, isNullable: true }),
    );
    await runner.createIndex(
      'payments',
      new TableIndex({ name: 'ix_payments_status_created_at', columnNames: ['status', 'created_at'] }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropIndex('payments', 'ix_payments_status_created_at');
    await runner.dropColumn('payments', 'reconcile_after');
  }
}
