import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import { DataSource, MigrationExecutor, type DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app.config.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { DatabaseWaitLog, timedPg } from './database-wait-log.js';
import { registeredEntities, registeredMigrations } from '../common/resource/module-manifest.js';

// PostgreSQL `timestamp` columns hold UTC: parse them as UTC and send Dates as UTC, whatever TZ the host has.
pg.types.setTypeParser(pg.types.builtins.TIMESTAMP, (value: string) => new Date(`${value.replace(' ', 'T')}Z`));
pg.defaults.parseInputDatesAsUTC = true;

/**
 * The one TypeORM configuration, used by the app and by the migration CLI. Never `synchronize`.
 * `pool` names a PostgreSQL pool other than the main one (the webhook receiver's) with its own size.
 * Every wait is bounded: a statement (lock waits included) by `statement_timeout`, a pooled connection by
 * pg-pool's `connectionTimeoutMillis` (it bounds queueing for a busy pool too), a SQLite lock by
 * `busy_timeout`; each answers 503 through the problem mapping (database-errors.ts).
 */
export function dataSourceOptions(
  config: AppConfig['database'],
  pool: { name: string; size: number } = { name: 'main', size: config.poolSize },
): DataSourceOptions {
  const log = new DatabaseWaitLog(pool.name);
  const common = {
    // Feature modules declare their own (module-manifest.ts); TypeORM orders migrations by their timestamp.
    entities: [...new Set(registeredEntities(config.type))],
    migrations: [...new Set([...MIGRATIONS, ...registeredMigrations()])],
    migrationsRun: false,
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    logging: false,
    logger: log,
    maxQueryExecutionTime: config.slowWaitMs,
  };
  if (config.type === 'postgres') {
    return {
      ...common,
      type: 'postgres',
      url: config.url,
      poolSize: pool.size,
      driver: timedPg(config.slowWaitMs, log),
      extra: {
        max: pool.size,
        connectionTimeoutMillis: config.acquireTimeoutMs,
        ...(config.statementTimeoutMs > 0 ? { statement_timeout: config.statementTimeoutMs } : {}),
        // A server that vanished without closing the socket is noticed rather than waited on forever.
        keepAlive: true,
      },
    };
  }
  if (config.sqlitePath !== ':memory:') mkdirSync(dirname(config.sqlitePath), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: config.sqlitePath,
    enableWAL: config.sqlitePath !== ':memory:',
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma(`busy_timeout = ${config.busyTimeoutMs}`);
      db.pragma('foreign_keys = ON');
    },
  };
}

/**
 * Runs pending migrations once, even when several instances start together (PostgreSQL advisory lock).
 * On PostgreSQL they run on the connection holding the lock with no statement timeout: waiting for
 * another instance's migrations, or one long migration, is not a request to cut short.
 */
export async function runMigrations(dataSource: DataSource): Promise<void> {
  if (dataSource.options.type !== 'postgres') {
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SET statement_timeout = 0');
    await runner.query('SELECT pg_advisory_lock(727274001)');
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    await executor.executePendingMigrations();
  } finally {
    await runner.query('SELECT pg_advisory_unlock(727274001)').catch(() => undefined);
    await runner.query('RESET statement_timeout').catch(() => undefined);
    await runner.release();
  }
}
