import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';

type Row = Record<string, unknown>;

/**
 * A whole collection as CSV, produced batch by batch while it is sent: what a resource-kit list
 * answers for `Accept: text/csv` without `limit` (with `limit` the CSV is that page, as JSON is).
 * `batches` yields the items in the collection's stable order; `total` is counted before the first.
 */
export class CollectionExport {
  constructor(
    readonly total: number,
    readonly batches: AsyncIterable<readonly unknown[]>,
  ) {}
}

function asRow(item: unknown): Row {
  return item && typeof item === 'object' ? (item as Row) : { value: item };
}

/** The `fields` projection of an item (anything but an object is left as it is). */
export function project(item: unknown, fields: string[] | undefined): unknown {
  if (!fields || item === null || typeof item !== 'object') return item;
  const source = item as Row;
  const out: Row = {};
  for (const f of fields) if (f in source) out[f] = source[f];
  return out;
}

function cell(v: unknown): unknown {
  const text = v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
  // A text cell a spreadsheet would run as a formula is quoted with a leading ' (OWASP CSV injection).
  return typeof text === 'string' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

function lines(rows: Row[], columns: string[], header: boolean): string {
  return stringify(
    rows.map((r) => columns.map((c) => cell(r[c]))),
    { header, columns },
  );
}

/** One page as CSV: a header row of every property the items have, then one record per item. */
export function toCsv(items: unknown[], fields?: string[]): string {
  const rows = items.map((i) => asRow(project(i, fields)));
  return lines(rows, [...new Set(rows.flatMap((r) => Object.keys(r)))], true);
}

/**
 * The export as a byte stream: the header row (the properties of the first batch's items) and each
 * batch's records are written only when the response asks for more, so memory holds one batch
 * however large the collection is. The first batch is read at once, so its failure is still a
 * problem document; a later failure ends the response early (its status line has gone).
 */
export async function csvStream(source: CollectionExport, fields: string[] | undefined): Promise<Readable> {
  const iterator = source.batches[Symbol.asyncIterator]();
  const first = await iterator.next();
  const firstRows = first.done ? [] : first.value.map((i) => asRow(project(i, fields)));
  const columns = [...new Set(firstRows.flatMap((r) => Object.keys(r)))];
  async function* chunks(): AsyncGenerator<string> {
    yield lines(firstRows, columns, true);
    if (first.done) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      yield lines(
        next.value.map((i) => asRow(project(i, fields))),
        columns,
        false,
      );
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}
