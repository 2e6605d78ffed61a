import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app.config.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { registeredEntities, registeredMigrations } from '../common/resource/module-manifest.js';
import { ENTITIES } from './entities.js';

// PostgreSQL `timestamp` columns hold UTC: parse them as UTC and send Dates as UTC, whatever TZ the host has.
pg.types.setTypeParser(pg.types.builtins.TIMESTAMP, (value: string) => new Date(`${value.replace(' ', 'T')}Z`));
pg.defaults.parseInputDatesAsUTC = true;

/** The one TypeORM configuration, used by the app and by the migration CLI. Never `synchronize`. */
export function dataSourceOptions(config: AppConfig['database']): DataSourceOptions {
  const common = {
    // Feature modules declare their own (module-manifest.ts); TypeORM orders migrations by their timestamp.
    entities: [...new Set([...ENTITIES, ...registeredEntities()])],
    migrations: [...new Set([...MIGRATIONS, ...registeredMigrations()])],
    migrationsRun: false,
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    logging: false,
  };
  if (config.type === 'postgres') {
    return { ...common, type: 'postgres', url: config.url, poolSize: config.poolSize, extra: { max: config.poolSize } };
  }
  if (config.sqlitePath !== ':memory:') mkdirSync(dirname(config.sqlitePath), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: config.sqlitePath,
    enableWAL: config.sqlitePath !== ':memory:',
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
    },
  };
}

/** Runs pending migrations once, even when several instances start together (PostgreSQL advisory lock). */
export async function runMigrations(dataSource: DataSource): Promise<void> {
  if (dataSource.options.type !== 'postgres') {
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(727274001)');
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock(727274001)').catch(() => undefined);
    await runner.release();
  }
}
