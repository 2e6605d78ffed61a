import type { FindOptionsOrder, FindOptionsWhere, ObjectLiteral, Repository } from 'typeorm';
import { Page, parseSort } from '../http/list-query.js';

type Direction = 'ASC' | 'DESC';

export interface PageQuery {
  offset: number;
  limit: number;
  sort?: string;
}

export interface FindPageOptions<E extends ObjectLiteral, D> {
  where: FindOptionsWhere<E>;
  /** The order when the query names none, e.g. `{ createdAt: 'ASC' }` (API names). */
  defaultSort: Record<string, Direction>;
  /** API sort key → column property, where they differ; the keys themselves are validated by the query DTO. */
  columns?: Record<string, keyof E & string>;
  /** Direction of the `id` tie-breaker, from the order asked for (default ASC). */
  tieBreaker?: (order: Record<string, Direction>) => Direction;
  map: (row: E) => D;
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

/**
 * One page of a collection the contract's way: the filters, the sort mapped to columns with a unique `id`
 * tie-breaker (so offset paging is stable), and the true total. The one home of this logic for collections
 * that are not resource-kit resources (payments, messages, webhook events); the kit's ResourceService does
 * the same for its resources.
 */
export async function findPage<E extends ObjectLiteral, D>(
  repository: Repository<E>,
  query: PageQuery,
  options: FindPageOptions<E, D>,
): Promise<Page<D>> {
  const order = pageOrder(query.sort, options.defaultSort, options.columns, options.tieBreaker);
  const [rows, total] = await repository.findAndCount({
    where: options.where,
    order: order as FindOptionsOrder<E>,
    skip: query.offset,
    take: query.limit,
  });
  return new Page(rows.map(options.map), total, query.offset, query.limit);
}
