import type { QueryRunner, TableColumnOptions } from 'typeorm';

/** Column types that exist on both SQLite and PostgreSQL, chosen per driver. */
export function types(runner: QueryRunner) {
  const pg = runner.connection.options.type === 'postgres';
  return {
    timestamp: pg ? 'timestamp' : 'datetime',
    text: 'text',
    blob: pg ? 'bytea' : 'blob',
    bigint: 'bigint',
  };
}

export function idColumn(name = 'id'): TableColumnOptions {
  return { name, type: 'varchar', length: '40', isPrimary: true };
}

export function timestamps(runner: QueryRunner): TableColumnOptions[] {
  const t = types(runner);
  return [
    { name: 'created_at', type: t.timestamp, isNullable: false },
    { name: 'updated_at', type: t.timestamp, isNullable: false },
  ];
}
