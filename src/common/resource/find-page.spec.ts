import { readPage, type Direction, type PageSource } from './find-page.js';

interface Row {
  id: string;
  rank: number | null;
}

/** Rows with repeated and missing sort keys, as a database would sort them (NULLs lowest, as SQLite does). */
const ROWS: Row[] = Array.from({ length: 23 }, (_, i) => ({
  id: `r${String(i).padStart(2, '0')}`,
  rank: i % 5 === 0 ? null : i % 4,
}));

function compare(a: Row, b: Row, order: Record<string, Direction>): number {
  for (const [column, direction] of Object.entries(order)) {
    const x = a[column as keyof Row];
    const y = b[column as keyof Row];
    if (x === y) continue;
    const lower = x === null || (y !== null && x < y);
    return (lower ? -1 : 1) * (direction === 'ASC' ? 1 : -1);
  }
  return 0;
}

/** An in-memory source that records how it was read: the order's first direction, skip and take. */
function source(rows: Row[]): PageSource<Row> & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    rows: (order, skip, take) => {
      reads.push(`${Object.values(order).join(',')} ${skip}+${take}`);
      return Promise.resolve([...rows].sort((a, b) => compare(a, b, order)).slice(skip, skip + take));
    },
    count: () => Promise.resolve(rows.length),
  };
}

describe('readPage', () => {
  const orders: Record<string, Direction>[] = [
    { rank: 'ASC', id: 'ASC' },
    { rank: 'DESC', id: 'ASC' },
    { rank: 'DESC', id: 'DESC' },
  ];

  it.each(orders)('returns every page as reading forward would, from either end (%o)', async (order) => {
    const all = [...ROWS].sort((a, b) => compare(a, b, order));
    for (const limit of [1, 4, 7, 23, 100]) {
      for (let offset = 0; offset <= ROWS.length + 2; offset++) {
        const page = await readPage(source(ROWS), order, offset, limit);
        expect({ offset, limit, ids: page.rows.map((r) => r.id) }).toEqual({
          offset,
          limit,
          ids: all.slice(offset, offset + limit).map((r) => r.id),
        });
        expect(page.total).toBe(ROWS.length);
      }
    }
  });

  it('reads a page nearer the end from the end, in the reversed order, and skips the fewer rows', async () => {
    const order: Record<string, Direction> = { rank: 'ASC', id: 'ASC' };
    const last = source(ROWS);
    await readPage(last, order, 20, 5);
    expect(last.reads).toEqual(['DESC,DESC 0+3']);
    const late = source(ROWS);
    await readPage(late, order, 15, 4);
    expect(late.reads).toEqual(['DESC,DESC 4+4']);
    const early = source(ROWS);
    await readPage(early, order, 5, 4);
    expect(early.reads).toEqual(['ASC,ASC 5+4']);
  });

  it('asks for the first page and the total at once, and reads no rows past the end', async () => {
    const calls: string[] = [];
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first: PageSource<Row> = {
      rows: async () => (calls.push('rows'), await gate, ROWS.slice(0, 2)),
      count: async () => (calls.push('count'), await gate, ROWS.length),
    };
    const page = readPage(first, { id: 'ASC' }, 0, 2);
    expect(calls.sort()).toEqual(['count', 'rows']);
    release();
    expect((await page).total).toBe(ROWS.length);

    const past = source(ROWS);
    expect(await readPage(past, { id: 'ASC' }, 23, 5)).toEqual({ rows: [], total: 23 });
    expect(past.reads).toEqual([]);
  });
});
