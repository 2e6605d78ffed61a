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
 * On PostgreSQL, outside a transaction, the statement goes to the driver's pool directly as a named
 * prepared statement: TypeORM's query runner (a runner object, its events and result wrapper per call)
 * and the server's parse and plan of the same text on every call are skipped. The pool is TypeORM's
 * own (its size, timeouts and timed checkouts apply), errors are the driver's (database-errors.ts
 * classifies them), and a slow statement is reported to TypeORM's logger as its runner would.
 */
export class PrimaryKeyReader<E extends ObjectLiteral> {
  private readonly sql: string;
  private readonly prepared?: pg.QueryConfig;

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
    // Named per table: one statement text per name on every pooled connection, as PostgreSQL requires.
    if (driver.options.type === 'postgres') this.prepared = { name: `pk_${metadata.tableName}`, text: this.sql };
  }

  /** The entity with this key, or null; through `manager` inside a transaction. */
  async find(id: string | number, manager?: EntityManager): Promise<E | null> {
    const rows =
      this.prepared && !manager
        ? await this.fromPool(this.prepared, id)
        : await (manager ?? this.repository.manager).query<Record<string, unknown>[]>(this.sql, [id]);
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

  private async fromPool(prepared: pg.QueryConfig, id: string | number): Promise<Record<string, unknown>[]> {
    const { connection } = this.repository.manager;
    const pool = (connection.driver as unknown as { master: pg.Pool }).master;
    const started = Date.now();
    const result = await pool.query<Record<string, unknown>>({ ...prepared, values: [id] });
    const ms = Date.now() - started;
    const slowMs = connection.options.maxQueryExecutionTime;
    if (slowMs && ms > slowMs) connection.logger.logQuerySlow(ms, this.sql, [id]);
    return result.rows;
  }
}
