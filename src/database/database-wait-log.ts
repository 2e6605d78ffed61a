import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import pg from 'pg';
import type { Logger as TypeOrmLogger } from 'typeorm';
import { RateLimitedLog } from '../common/observability/rate-limited-log.js';

type ConnectCallback = (
  err: Error | undefined,
  client: pg.PoolClient | undefined,
  done: (release?: unknown) => void,
) => void;

/**
 * Logs, through pino and rate-limited, what makes requests wait on the database: statements slower than
 * `slowMs` (TypeORM's `maxQueryExecutionTime` hook; lock waits included) and the driver's own warnings
 * (e.g. a pooled connection dropped by the server). Query errors are not logged here: the caller maps
 * them (503 / 409 / 500) and logs what matters.
 */
export class DatabaseWaitLog implements TypeOrmLogger {
  private readonly logger = new Logger('Database');
  private readonly limit = new RateLimitedLog();

  constructor(private readonly pool: string) {}

  slowAcquire(ms: number, waiting: number, failed: boolean): void {
    this.limit.run('acquire', (suppressed) =>
      this.logger.warn(
        { pool: this.pool, waitMs: Math.round(ms), waiting, failed, suppressed },
        `waited ${Math.round(ms)} ms for a ${this.pool} database connection (${waiting} still waiting)`,
      ),
    );
  }

  logQuerySlow(time: number, query: string): void {
    this.limit.run('statement', (suppressed) =>
      this.logger.warn(
        { pool: this.pool, durationMs: time, query: query.slice(0, 200), suppressed },
        `slow database statement: ${time} ms`,
      ),
    );
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level !== 'warn') return;
    this.limit.run('driver', (suppressed) =>
      this.logger.warn({ pool: this.pool, suppressed }, `database driver: ${String(message)}`),
    );
  }

  logQuery(): void {}
  logQueryError(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
}

/**
 * The pg module with a Pool that times every connection checkout, given to TypeORM as its `driver`:
 * pg-pool reports no wait times, and TypeORM takes every connection through `Pool.connect(callback)`.
 */
export function timedPg(slowMs: number, log: DatabaseWaitLog): typeof pg {
  class TimedPool extends pg.Pool {
    override connect(): Promise<pg.PoolClient>;
    override connect(callback: ConnectCallback): void;
    override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
      const started = performance.now();
      const observe = (failed: boolean) => {
        const ms = performance.now() - started;
        if (ms >= slowMs) log.slowAcquire(ms, this.waitingCount, failed);
      };
      if (!callback) {
        return super.connect().then(
          (client) => {
            observe(false);
            return client;
          },
          (error: unknown) => {
            observe(true);
            throw error;
          },
        );
      }
      super.connect((err, client, done) => {
        observe(err !== undefined && err !== null);
        callback(err, client, done);
      });
    }
  }
  return Object.assign(Object.create(pg) as typeof pg, { Pool: TimedPool });
}
