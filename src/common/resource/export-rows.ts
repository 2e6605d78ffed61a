import {
  And,
  Equal,
  FindOperator,
  IsNull,
  LessThan,
  LessThanOrEqual,
  MoreThan,
  MoreThanOrEqual,
  Not,
  type FindOptionsWhere,
  type Repository,
} from 'typeorm';
import { pageRows, type Direction, type Keyed } from './find-page.js';

/** The first sort column's value as compared here: a date by its milliseconds (what JavaScript holds of it). */
const keyOf = (value: unknown): unknown => (value instanceof Date ? value.getTime() : (value ?? null));

/**
 * The rows from the first row whose first sort column is `value` on, in `direction`, NULLs aside (undefined:
 * no condition). A date bound is widened to its whole millisecond: PostgreSQL keeps microseconds that the
 * `Date` read back dropped, and a bound on the truncated value would start after rows of that millisecond
 * not yet sent. No `OR … IS NULL` for NULLs that sort after every value: PostgreSQL then walked the index
 * from its start (a million-row export took 70 s instead of 10); exportRows reads them once the values run out.
 */
function from(value: unknown, direction: Direction, nullsAfter: boolean): FindOperator<unknown> | undefined {
  if (value === null || value === undefined) return nullsAfter ? IsNull() : undefined;
  if (direction === 'ASC') return MoreThanOrEqual(value);
  return value instanceof Date ? LessThan(new Date(value.getTime() + 1)) : LessThanOrEqual(value);
}

function narrowed<E>(
  where: FindOptionsWhere<E>,
  column: string,
  condition: FindOperator<unknown>,
): FindOptionsWhere<E> {
  const filter = (where as Record<string, unknown>)[column];
  if (filter === undefined) return { ...where, [column]: condition };
  const asOperator = filter instanceof FindOperator ? (filter as FindOperator<unknown>) : Equal(filter);
  return { ...where, [column]: And(asOperator, condition) };
}

/**
 * The rest of a block by id (`first = value`, ids after `lastId`) when the order is one sort column then the
 * `id` tie-breaker, so a block's rows come in id order: no skip however long the block. Not for a date (the
 * `Date` holds milliseconds where PostgreSQL keeps microseconds: equality would miss rows) nor for an order
 * with more columns (the block's rows follow those first); undefined then.
 */
function restOfBlock<E extends Keyed>(
  where: FindOptionsWhere<E>,
  order: Record<string, Direction>,
  value: unknown,
  lastId: unknown,
): FindOptionsWhere<E> | undefined {
  const [first, ...others] = Object.keys(order);
  if (others.length !== 1 || others[0] !== 'id' || value instanceof Date) return undefined;
  const inBlock = narrowed(where, first, value === null || value === undefined ? IsNull() : Equal(value));
  return narrowed(inBlock, 'id', order.id === 'ASC' ? MoreThan(lastId) : LessThan(lastId));
}

/** The rows after a block of `value` (its rest was read by id), NULLs aside as in `from`; undefined: none. */
function afterBlock(value: unknown, direction: Direction, nullsAfter: boolean): FindOperator<unknown> | undefined {
  if (value === null || value === undefined) return nullsAfter ? undefined : Not(IsNull());
  return direction === 'ASC' ? MoreThan(value) : LessThan(value);
}

/**
 * Every row from `offset` on, in `order`, in batches of `sizes.first` then `sizes.rest` rows: a CSV export.
 * Continuing by offset made a whole export quadratic (a million rows: a thousand batches, each walking the
 * index to its offset), so a batch continues from the last row sent instead: the rows from the start of the
 * block of rows sharing its first sort column's value, skipping those of the block already sent (the
 * block's rows come in the same order every time, the `id` tie-breaker being last). A block as long as a
 * batch (a status, a name many share) would make those skips grow again, so once the block's rows sent fill
 * a batch, or when the export started inside a block whose start is unknown, the rest of the block is read by
 * id where the order allows (`restOfBlock`), then the rows after it; otherwise (a date, several sort
 * columns) the skips stay, bounded by the block's length. Each batch is its own statement (no transaction
 * held while a slow client reads): a row written during the export may be missed or sent twice, as between
 * two pages. Written here because TypeORM has no keyset reader.
 */
export async function* exportRows<E extends Keyed>(
  repository: Repository<E>,
  where: FindOptionsWhere<E>,
  order: Record<string, Direction>,
  offset: number,
  sizes: { first: number; rest: number },
): AsyncGenerator<E[]> {
  const [first, direction] = Object.entries(order)[0];
  // Whether NULLs come after every value in this order: SQLite sorts NULL lowest, PostgreSQL highest.
  const nullsAfter =
    repository.metadata.findColumnWithPropertyName(first)?.isNullable === true &&
    (direction === 'ASC') === (repository.manager.connection.options.type === 'postgres');
  let seek = where;
  let skip = offset;
  let size = sizes.first;
  let sent = 0;
  let nullsNext = false;
  // Whether the last read was the rest of the block by id (restOfBlock).
  let inBlock = false;
  // The block of rows sharing the last row's first sort value: that value, and how many of it were sent.
  let block = { value: undefined as unknown, rows: 0, knownStart: offset === 0 };
  for (;;) {
    const rows = await pageRows(repository, seek, order, skip, size);
    if (rows.length > 0) yield rows;
    const ranOut = rows.length < size;
    size = sizes.rest;
    if (ranOut) {
      if (inBlock) {
        // The block is sent: the rows after it, from the first. (After a NULL block, afterBlock answered
        // undefined where NULLs come last, so NULLs come next exactly when they sort after the values.)
        inBlock = false;
        const after = afterBlock(block.value, direction, nullsAfter);
        if (after === undefined) return;
        seek = narrowed(where, first, after);
        nullsNext = nullsAfter;
        skip = 0;
        continue;
      }
      // The values ran out under a bound that leaves NULLs aside: the NULLs, none sent yet, come next.
      if (!nullsNext) return;
      nullsNext = false;
      seek = narrowed(where, first, IsNull());
      skip = 0;
      continue;
    }
    sent += rows.length;
    for (const row of rows) {
      const value: unknown = row[first];
      if (block.rows > 0 && keyOf(value) === keyOf(block.value)) block.rows += 1;
      else block = { value, rows: 1, knownStart: block.rows > 0 || block.knownStart };
    }
    const rest =
      block.rows >= sizes.rest || !block.knownStart
        ? restOfBlock(where, order, block.value, rows[rows.length - 1].id)
        : undefined;
    inBlock = rest !== undefined;
    if (rest) {
      seek = rest;
      skip = 0;
      continue;
    }
    const condition = block.knownStart ? from(block.value, direction, nullsAfter) : undefined;
    seek = condition ? narrowed(where, first, condition) : where;
    nullsNext = condition !== undefined && keyOf(block.value) !== null && nullsAfter;
    skip = block.knownStart ? block.rows : offset + sent;
  }
}
