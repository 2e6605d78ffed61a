import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { idColumn, timestamps } from './helpers.js';

export class Init1732400000000 implements MigrationInterface {
  name = 'Init1732400000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: 'users',
        columns: [
          idColumn(),
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'email', type: 'varchar', length: '254' },
          ...timestamps(runner),
        ],
        uniques: [{ name: 'uq_users_email', columnNames: ['email'] }],
      }),
    );
    await runner.createIndex('users', new TableIndex({ name: 'ix_users_created_at', columnNames: ['created_at'] }));
    await runner.createTable(
      new Table({
        name: 'api_clients',
        columns: [
          { name: 'client_id', type: 'varchar', length: '100', isPrimary: true },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'secret_hash', type: 'varchar', length: '255' },
          { name: 'scopes', type: 'text' },
          ...timestamps(runner),
        ],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('api_clients');
    await runner.dropTable('users');
  }
}
