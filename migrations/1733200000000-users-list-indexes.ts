import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * An index for every sortable and filterable column of `users`, each ending with the `id`
 * tie-breaker the list query appends, so ORDER BY <key>, id LIMIT n reads an index in order
 * instead of sorting the table (measured in docs/benchmarks.md, "Scale of data").
 * `email` is covered by its unique constraint.
 */
export class UsersListIndexes1733200000000 implements MigrationInterface {
  name = 'UsersListIndexes1733200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.dropIndex('users', 'ix_users_created_at');
    await runner.createIndex(
      'users',
      new TableIndex({ name: 'ix_users_created_at_id', columnNames: ['created_at', 'id'] }),
    );
    await runner.createIndex(
      'users',
      new TableIndex({ name: 'ix_users_updated_at_id', columnNames: ['updated_at', 'id'] }),
    );
    await runner.createIndex('users', new TableIndex({ name: 'ix_users_name_id', columnNames: ['name', 'id'] }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropIndex('users', 'ix_users_name_id');
    await runner.dropIndex('users', 'ix_users_updated_at_id');
    await runner.dropIndex('users', 'ix_users_created_at_id');
    await runner.createIndex('users', new TableIndex({ name: 'ix_users_created_at', columnNames: ['created_at'] }));
  }
}
