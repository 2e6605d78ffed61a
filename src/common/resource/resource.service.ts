import type { EntityManager, FindOptionsWhere, Repository } from 'typeorm';
import { ulid } from 'ulid';
import { PrimaryKeyReader } from '../../database/primary-key-reader.js';
import { trackedRowCount } from '../../database/row-counts.js';
import { CollectionExport } from '../http/csv.js';
import { assertIfMatch } from '../http/etag.js';
import { Page } from '../http/list-query.js';
import { exportRows } from './export-rows.js';
import { findPage, pageOrder } from './find-page.js';
import { ProblemException, Problems } from '../http/problem.js';
import type { ResourceDefinition, Representation, Row } from './define-resource.js';
import type { Fields, Values } from './fields.js';
import { uniqueViolationField } from './unique-violation.js';

type Input<F extends Fields> = Partial<Values<F>>;
export type ListQuery = Record<string, unknown> & { offset: number; limit: number; sort?: unknown };

/** Rows per query of a CSV export: one batch is what the export holds in memory at a time. */
const EXPORT_BATCH = 1000;
const FIRST_EXPORT_BATCH = 100;
const DEFAULT_SORT = { createdAt: 'ASC' } as const;

/**
 * List, get, create, replace, merge-patch and delete of one resource, with the contract's rules in one place:
 * a true total, a stable order (id tie-breaker), 404 by the resource's name, 409 for a unique violation, and
 * If-Match checked against the locked row inside the write's transaction. A module subclasses it for its own
 * rules (`afterWrite` for a cache, say) and adds its business operations beside these.
 */
export class ResourceService<F extends Fields> {
  private readonly byId: PrimaryKeyReader<Row<F>>;

  constructor(
    protected readonly repository: Repository<Row<F>>,
    protected readonly resource: ResourceDefinition<F>,
  ) {
    this.byId = new PrimaryKeyReader(repository);
  }

  list(query: ListQuery): Promise<Page<Representation<F>>> {
    const where = this.where(query);
    return findPage(
      this.repository,
      { offset: query.offset, limit: query.limit, sort: this.sort(query) },
      {
        where,
        defaultSort: DEFAULT_SORT,
        map: (row) => this.resource.represent(row),
        count: () => this.total(where),
      },
    );
  }

  /**
   * Every item from `query.offset` on (filtered and sorted as the list is), counted first and then read
   * in batches while the caller consumes them: a CSV export of the whole collection. The first batch is
   * small so the first bytes leave soon; the rest are `batchSize` rows, each batch continuing from the last
   * row sent (exportRows: linear in the collection, where offsets were quadratic).
   */
  async export(query: ListQuery, batchSize = EXPORT_BATCH): Promise<CollectionExport> {
    const where = this.where(query);
    const order = pageOrder(this.sort(query), DEFAULT_SORT);
    const total = await this.total(where);
    const rows = exportRows(this.repository, where, order, query.offset, {
      first: Math.min(batchSize, FIRST_EXPORT_BATCH),
      rest: batchSize,
    });
    const represent = (batch: Row<F>[]) => batch.map((r) => this.resource.represent(r));
    async function* batches(): AsyncGenerator<Representation<F>[]> {
      // Past the end there is nothing to read (the database would still walk to the offset to find so).
      if (query.offset >= total) return;
      for await (const batch of rows) yield represent(batch);
    }
    return new CollectionExport(total, batches());
  }

  /** All matching rows: the count the database keeps when the list is unfiltered and the table tracked. */
  private async total(where: FindOptionsWhere<Row<F>>): Promise<number> {
    if (this.resource.trackedTotal && Object.keys(where).length === 0) {
      const kept = await trackedRowCount(this.repository.manager.connection, this.repository.metadata.tableName);
      if (kept !== undefined) return kept;
    }
    return this.repository.count({ where });
  }

  private where(query: ListQuery): FindOptionsWhere<Row<F>> {
    const where: Record<string, unknown> = {};
    for (const key of this.resource.filters) {
      if (query[key] !== undefined) where[key] = this.normalize(key, query[key]);
    }
    return where as FindOptionsWhere<Row<F>>;
  }

  private sort(query: ListQuery): string | undefined {
    return typeof query.sort === 'string' ? query.sort : undefined;
  }

  async get(id: string): Promise<Representation<F>> {
    const row = await this.byId.find(id);
    if (!row) throw Problems.notFound(this.resource.name, id);
    return this.resource.represent(row);
  }

  async create(input: Input<F>): Promise<Representation<F>> {
    const now = new Date();
    const row = this.repository.create({
      ...this.values(input, true),
      id: ulid(),
      createdAt: now,
      updatedAt: now,
    } as Row<F>);
    await this.repository.manager
      .transaction(async (manager) => {
        await this.beforeWrite(row, manager);
        await manager.insert(this.resource.entity, row as never);
      })
      .catch((e: unknown) => this.rethrow(e));
    await this.afterWrite(row.id);
    return this.resource.represent(row);
  }

  /** PUT: every field is set; an omitted optional field is cleared. */
  replace(id: string, input: Input<F>, ifMatch: string | undefined): Promise<Representation<F>> {
    return this.write(id, this.values(input, true), ifMatch);
  }

  /** PATCH (JSON merge patch): only the properties given change; null clears an optional one. */
  patch(id: string, input: Input<F>, ifMatch: string | undefined): Promise<Representation<F>> {
    return this.write(id, this.values(input, false), ifMatch);
  }

  async remove(id: string, ifMatch: string | undefined): Promise<void> {
    await this.lockedWrite(id, ifMatch, (manager) => manager.delete(this.resource.entity, { id }));
    await this.afterWrite(id);
  }

  /**
   * The module's business rules on the row about to be stored (created, replaced or patched), inside the
   * write's transaction and after If-Match: throw a ProblemException to refuse it. `manager` reads other rows
   * consistently with the write. No outbound call here (it would run inside the transaction).
   */
  protected beforeWrite(_row: Row<F>, _manager: EntityManager): Promise<void> | void {}

  /** Called after every committed write of `id` (e.g. to drop a cached view of it). */
  protected async afterWrite(_id: string): Promise<void> {}

  /** The row with this id, read through `manager` (e.g. in another module's transaction), or null. */
  findRow(id: string, manager?: EntityManager): Promise<Row<F> | null> {
    return this.byId.find(id, manager);
  }

  private async write(id: string, values: Input<F>, ifMatch: string | undefined): Promise<Representation<F>> {
    const updated = await this.lockedWrite(id, ifMatch, async (manager, row) => {
      Object.assign(row, values);
      // Strictly later than the last write, so the ETag changes even within one millisecond.
      row.updatedAt = new Date(Math.max(Date.now(), row.updatedAt.getTime() + 1));
      await this.beforeWrite(row, manager);
      const { id: _id, createdAt: _created, ...changed } = row;
      await manager.update(this.resource.entity, { id }, changed as never);
      return row;
    }).catch((e: unknown) => this.rethrow(e));
    await this.afterWrite(id);
    return this.resource.represent(updated);
  }

  /**
   * Runs `write` in a transaction that first locks the row, then compares If-Match with what the lock now
   * protects: of N writers carrying one ETag exactly one wins and the others see 412. Locking by a no-op
   * UPDATE (not SELECT … FOR UPDATE) works on both drivers: PostgreSQL takes the row lock and re-reads
   * committed data after waiting; SQLite takes its write lock.
   */
  protected lockedWrite<T>(
    id: string,
    ifMatch: string | undefined,
    write: (manager: EntityManager, row: Row<F>) => Promise<T>,
  ): Promise<T> {
    return this.repository.manager.transaction(async (manager) => {
      await manager
        .createQueryBuilder()
        .update(this.resource.entity)
        .set({ id: () => 'id' } as never)
        .where('id = :id', { id })
        .execute();
      const row = await this.byId.find(id, manager);
      if (!row) throw Problems.notFound(this.resource.name, id);
      assertIfMatch(ifMatch, this.resource.represent(row));
      return write(manager, row);
    });
  }

  /** The declared fields of a body: all of them (absent optional → null) or only those given. */
  private values(input: Input<F>, complete: boolean): Input<F> {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(this.resource.fields)) {
      const value = (input as Record<string, unknown>)[key];
      if (value !== undefined) out[key] = value === null ? null : this.normalize(key, value);
      else if (complete) out[key] = null;
    }
    return out as Input<F>;
  }

  private normalize(key: string, value: unknown): unknown {
    const field = this.resource.fields[key];
    return field.kind === 'text' && field.normalize && typeof value === 'string' ? field.normalize(value) : value;
  }

  /** The one mapping of a unique violation: 409 naming the property (not the column). */
  private rethrow(error: unknown): never {
    const column = uniqueViolationField(error);
    if (column === undefined) throw error;
    throw new ProblemException({
      type: 'unique-violation',
      status: 409,
      params: { field: this.resource.propertyOf(column) },
    });
  }
}
