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
 */
export class PrimaryKeyReader<E extends ObjectLiteral> {
  private readonly sql: string;

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
  }

  /** The entity with this key, or null; through `manager` inside a transaction. */
  async find(id: string | number, manager?: EntityManager): Promise<E | null> {
    const rows = await (manager ?? this.repository.manager).query<Record<string, unknown>[]>(this.sql, [id]);
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
}
