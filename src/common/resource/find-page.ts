import {
  In,
  type FindOptionsOrder,
  type FindOptionsSelect,
  type FindOptionsWhere,
  type ObjectLiteral,
  type Repository,
} from 'typeorm';
import { Page, parseSort } from '../http/list-query.js';

export type Direction = 'ASC' | 'DESC';

export interface PageQuery {
  offset: number;
  limit: number;
  sort?: string;
}

export interface FindPageOptions<E extends Keyed, D> {
  where: FindOptionsWhere<E>;
  /** The order when the query names none, e.g. `{ createdAt: 'ASC' }` (API names). */
  defaultSort: Record<string, Direction>;
  /** API sort key → column property, where they differ; the keys themselves are validated by the query DTO. */
  columns?: Record<string, keyof E & string>;
  /** Direction of the `id` tie-breaker, from the order asked for (default ASC). */
  tieBreaker?: (order: Record<string, Direction>) => Direction;
  map: (row: E) => D;
  /** Skipped rows from which PostgreSQL reads the page's ids first (pageRows; default DEFERRED_FROM). */
  deferredFrom?: number;
  /** All matching rows, where the caller has them cheaper than COUNT (a count the database keeps). */
  count?: () => Promise<number>;
}

/** Skipped rows from which a page on PostgreSQL reads its ids first (see pageRows). */
export const DEFERRED_FROM = 1000;

export type Keyed = ObjectLiteral & { id: string | number };

/**
 * The rows of a page in `order`. PostgreSQL's OFFSET fetches every skipped row from the table, where the ids
 * alone come from the sort index (an index-only scan of `(key, id)` once the table is vacuumed): at 1M rows
 * and offset 500,000, 514–710 ms against 163–188 ms (EXPLAIN ANALYZE, docs/benchmarks.md). So from
 * `deferredFrom` skipped rows it reads the page's ids, then those rows by id, in the ids' order. SQLite's
 * OFFSET costs the same either way (measured), so there it stays one statement. A row deleted between the
 * two statements leaves the page one short, as rows written between two pages already shift them.
 */
export async function pageRows<E extends Keyed>(
  repository: Repository<E>,
  where: FindOptionsWhere<E>,
  order: Record<string, Direction>,
  skip: number,
  take: number,
  deferredFrom = DEFERRED_FROM,
): Promise<E[]> {
  const options = { where, order: order as FindOptionsOrder<E>, skip, take };
  if (skip < deferredFrom || repository.manager.connection.options.type !== 'postgres') return repository.find(options);
  const keys = await repository.find({ ...options, select: { id: true } as FindOptionsSelect<E> });
  if (keys.length === 0) return [];
  const rows = await repository.find({ where: { id: In(keys.map((k) => k.id)) } as FindOptionsWhere<E> });
  const byId = new Map(rows.map((row) => [row.id, row]));
  return keys.flatMap(({ id }) => byId.get(id) ?? []);
}

/**
 * The order of a page: the asked sort (or the default) mapped to columns, then a unique `id` tie-breaker
 * that keeps offset paging stable when sort keys repeat. Shared by findPage and the kit's ResourceService.
 */
export function pageOrder(
  sort: string | undefined,
  defaultSort: Record<string, Direction>,
  columns?: Record<string, string>,
  tieBreaker?: (order: Record<string, Direction>) => Direction,
): Record<string, Direction> {
  const order: Record<string, Direction> = {};
  for (const [key, direction] of Object.entries(parseSort(sort, defaultSort))) order[columns?.[key] ?? key] = direction;
  order.id ??= tieBreaker?.(order) ?? 'ASC';
  return order;
}

/** How a page is read: rows in an order from a position, and the count of all matching rows. */
export interface PageSource<R> {
  rows(order: Record<string, Direction>, skip: number, take: number): Promise<R[]>;
  count(): Promise<number>;
}

const reversed = (order: Record<string, Direction>): Record<string, Direction> =>
  Object.fromEntries(Object.entries(order).map(([column, d]) => [column, d === 'ASC' ? 'DESC' : 'ASC']));

/**
 * The rows of one page and the true total. Paging by offset makes the database step over `offset` rows
 * (index entries, or sorted rows) before the page: at a million rows the last page cost a hundred times
 * the first. A page nearer the end than the start is read from the end instead, in the reversed order
 * (every direction flipped, the unique `id` tie-breaker included, so it is exactly the reverse: both
 * databases put NULLs at the other end when a direction flips) and put back in order, so the cost grows
 * with the distance to the nearer end and the last page costs what the first does. That needs the total
 * first; the first page (the common case) still reads rows and total at once. Rows written between the
 * count and the read shift a page as they shift any offset page.
 */
export async function readPage<R>(
  source: PageSource<R>,
  order: Record<string, Direction>,
  offset: number,
  limit: number,
): Promise<{ rows: R[]; total: number }> {
  if (offset === 0) {
    const [rows, total] = await Promise.all([source.rows(order, 0, limit), source.count()]);
    return { rows, total };
  }
  const total = await source.count();
  if (offset >= total) return { rows: [], total };
  const take = Math.min(limit, total - offset);
  const fromEnd = total - offset - take;
  if (fromEnd >= offset) return { rows: await source.rows(order, offset, take), total };
  const rows = await source.rows(reversed(order), fromEnd, take);
  return { rows: rows.reverse(), total };
}

/**
 * One page of a collection the contract's way: the filters, the sort mapped to columns with a unique `id`
 * tie-breaker (so offset paging is stable), and the true total, read by `readPage`. The one home of this
 * logic, for the kit's resources (ResourceService) and the other collections (payments, messages, webhook
 * events).
 */
export async function findPage<E extends Keyed, D>(
  repository: Repository<E>,
  query: PageQuery,
  options: FindPageOptions<E, D>,
): Promise<Page<D>> {
  const where = options.where;
  const { rows, total } = await readPage(
    {
      rows: (order, skip, take) => pageRows(repository, where, order, skip, take, options.deferredFrom),
      count: options.count ?? (() => repository.count({ where })),
    },
    pageOrder(query.sort, options.defaultSort, options.columns, options.tieBreaker),
    query.offset,
    query.limit,
  );
  return new Page(rows.map(options.map), total, query.offset, query.limit);
}
