import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { EntityManager, ObjectLiteral, Repository } from 'typeorm';

/**
 * Loads one entity by its primary key with SQL built once, not per call.
 *
 * `Repository.findOneBy` runs TypeORM's query builder on every call: building the SELECT and its
 * aliases, then the generic raw-to-entity transformer, measured at about a quarter of the CPU of a
 * `GET /api/v1/users/{id}` on SQLite. This reader asks TypeORM once for the column list, identifier
 * quoting and parameter style of the connected driver, and hydrates each column through the
 * driver's own `prepareHydratedValue` (dates, booleans, JSON), so the entity equals what
 * `findOneBy` returns on SQLite and PostgreSQL alike (tested in primary-key-reader.e2e-spec.ts).
 * Only plain columns of one table: entities with relations, embedded columns or a composite key
 * are refused at construction.
 *
 * Outside a transaction the statement also skips TypeORM's query runner (a runner, its events and
 * result wrapper, several awaits per call) and goes to the driver: on PostgreSQL to TypeORM's pool as a
 * named prepared statement (no parse and plan of the same text on the server per call; the pool's
 * size, timeouts and timed checkouts apply), on SQLite to a statement prepared once on TypeORM's one
 * connection (the connection every other statement uses, so it sees what they see). Errors are the
 * driver's (database-errors.ts classifies them), and a slow statement is reported to TypeORM's logger
 * as its runner would.
 */
export class PrimaryKeyReader<E extends ObjectLiteral> {
  private readonly sql: string;
  private readonly driver: string;
  private readonly statementName: string;
  private sqliteStatement?: { database: Database.Database; statement: Database.Statement<[string | number]> };

  constructor(private readonly repository: Repository<E>) {
    const { metadata } = repository;
    const driver = repository.manager.connection.driver;
    if (metadata.primaryColumns.length !== 1) throw new Error(`${metadata.name}: one primary key column expected`);
    if (metadata.relations.length > 0 || metadata.embeddeds.length > 0) {
      throw new Error(`${metadata.name}: relations and embedded columns are not supported`);
    }
    const columns = metadata.columns.map((c) => driver.escape(c.databaseName)).join(', ');
    const key = driver.escape(metadata.primaryColumns[0].databaseName);
    this.sql = `SELECT ${columns} FROM ${driver.escape(metadata.tableName)} WHERE ${key} = ${driver.createParameter('id', 0)}`;
    this.driver = driver.options.type;
    // Named per table: one statement text per name on every pooled connection, as PostgreSQL requires.
    this.statementName = `pk_${metadata.tableName}`;
  }

  /** The entity with this key, or null; through `manager` inside a transaction. */
  async find(id: string | number, manager?: EntityManager): Promise<E | null> {
    const rows = await this.rows(id, manager);
    const row = rows[0];
    if (row === undefined) return null;
    const { metadata } = this.repository;
    const driver = this.repository.manager.connection.driver;
    const entity = metadata.create() as E;
    for (const column of metadata.columns) {
      column.setEntityValue(entity, driver.prepareHydratedValue(row[column.databaseName], column));
    }
    return entity;
  }

  private async rows(id: string | number, manager?: EntityManager): Promise<Record<string, unknown>[]> {
    const { connection } = this.repository.manager;
    const direct = this.driver === 'postgres' || this.driver === 'better-sqlite3';
    // Inside a transaction, on another driver, or with the data source closed (TypeORM's runner answers
    // with its not-connected error, a 503, where the driver's would be a 500): through TypeORM.
    if (manager || !direct || !connection.isInitialized) {
      return (manager ?? this.repository.manager).query<Record<string, unknown>[]>(this.sql, [id]);
    }
    const started = Date.now();
    // better-sqlite3 is synchronous: an error throws here and rejects find().
    const rows =
      this.driver === 'postgres'
        ? (await this.pool().query<Record<string, unknown>>({ name: this.statementName, text: this.sql, values: [id] }))
            .rows
        : this.fromSqlite(id);
    const ms = Date.now() - started;
    const slowMs = connection.options.maxQueryExecutionTime;
    if (slowMs && ms > slowMs) connection.logger.logQuerySlow(ms, this.sql, [id]);
    return rows;
  }

  private pool(): pg.Pool {
    return (this.repository.manager.connection.driver as unknown as { master: pg.Pool }).master;
  }

  /** Prepared on first use, and again if the data source reopened its connection. */
  private fromSqlite(id: string | number): Record<string, unknown>[] {
    const { databaseConnection: database } = this.repository.manager.connection.driver as unknown as {
      databaseConnection: Database.Database;
    };
    if (this.sqliteStatement?.database !== database) {
      this.sqliteStatement = { database, statement: database.prepare<[string | number]>(this.sql) };
    }
    const row = this.sqliteStatement.statement.get(id) as Record<string, unknown> | undefined;
    return row === undefined ? [] : [row];
  }
}
