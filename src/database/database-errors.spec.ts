import Database from 'better-sqlite3';
import pg from 'pg';
import { databaseFault } from './database-errors.js';

/** Runs `fn` and returns what it threw. */
async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('databaseFault: which database errors mean "unavailable now" (503)', () => {
  it('SQLite: read-only, busy and closed are faults; a constraint violation is not', async () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    db.exec('INSERT INTO t VALUES (1)');
    expect(databaseFault(await thrown(() => db.exec('INSERT INTO t VALUES (1)')))).toBeUndefined();
    db.pragma('query_only = ON');
    expect(databaseFault(await thrown(() => db.exec('INSERT INTO t VALUES (2)')))).toBe('storage');
    db.close();
    expect(databaseFault(await thrown(() => db.exec('SELECT 1')))).toBe('not-connected');
    expect(databaseFault({ code: 'SQLITE_BUSY_SNAPSHOT' })).toBe('busy');
    expect(databaseFault({ code: 'SQLITE_FULL' })).toBe('storage');
    expect(databaseFault({ code: 'SQLITE_IOERR_WRITE' })).toBe('storage');
  });

  it('pg: a refused connection, and the SQLSTATEs of timeouts, shutdown and full disks', async () => {
    // Port 9 (discard) on the loopback: nothing listens there, so the connection is refused.
    const client = new pg.Client({ host: '127.0.0.1', port: 9, connectionTimeoutMillis: 2000 });
    expect(databaseFault(await thrown(() => client.connect()))).toBe('connection');
    expect(databaseFault({ name: 'QueryFailedError', driverError: { code: '57014' } })).toBe('statement-timeout');
    expect(databaseFault({ code: '57P01' })).toBe('connection');
    expect(databaseFault({ code: '08006' })).toBe('connection');
    expect(databaseFault({ code: '53100' })).toBe('storage');
    expect(databaseFault(new Error('timeout exceeded when trying to connect'))).toBe('pool-timeout');
    expect(databaseFault(new Error('Connection terminated unexpectedly'))).toBe('connection');
    expect(databaseFault({ code: '23505' })).toBeUndefined();
    expect(databaseFault({ code: '22P02' })).toBeUndefined();
  });

  it('TypeORM: a data source that is not connected', () => {
    expect(databaseFault({ name: 'CannotExecuteNotConnectedError' })).toBe('not-connected');
    expect(databaseFault(new Error('Driver not Connected'))).toBe('not-connected');
    expect(databaseFault(new TypeError('x is undefined'))).toBeUndefined();
    expect(databaseFault(null)).toBeUndefined();
  });
});
