import { jest } from '@jest/globals';
import { DataSource } from 'typeorm';
import { usersResource } from '../src/modules/users/users.resource.js';
import { bearer } from './helpers/http.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

// A CSV export of a whole collection (Accept: text/csv without `limit`) is read in batches (100 rows,
// then 1,000 at a time) while it is sent: more rows than three batches, so the batch edges are crossed.
const ROWS = 2345;

/** RFC 4180 records (quoted fields may hold commas, doubled quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    record.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      endField();
    } else if (!quoted && (c === '\n' || (c === '\r' && text[i + 1] === '\n'))) {
      if (c === '\r') i++;
      endField();
      records.push(record);
      record = [];
    } else {
      field += c;
    }
  }
  if (field !== '' || record.length > 0) {
    endField();
    records.push(record);
  }
  return records;
}

describe('CSV export of a whole collection', () => {
  let t: TestApp;
  let auth: string;
  let db: DataSource;
  const csv = (query: string) =>
    t.http.get(`/api/v1/users${query}`).set('authorization', auth).set('accept', 'text/csv').buffer(true);

  beforeAll(async () => {
    t = await startTestApp();
    auth = bearer(await t.token());
    db = t.app.get(DataSource);
    const start = Date.parse('2026-01-01T00:00:00.000Z');
    const rows = Array.from({ length: ROWS }, (_, i) => ({
      id: `u${String(i).padStart(6, '0')}`,
      // Repeated names and creation times: the order rests on the id tie-breaker.
      name: i === 7 ? '=SUM(A1:A9)' : i === 8 ? 'a "quoted", two-line\nname' : `n${String(i % 700).padStart(4, '0')}`,
      email: `user${i}@example.com`,
      createdAt: new Date(start + Math.floor(i / 3) * 1000),
      updatedAt: new Date(start),
    }));
    const repository = db.getRepository(usersResource.entity);
    for (let i = 0; i < rows.length; i += 200) await repository.insert(rows.slice(i, i + 200) as never);
  });
  afterAll(() => t?.close());

  it('without limit: every row in the stable order, the total in X-Total-Count, no ETag', async () => {
    const res = await csv('').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['x-total-count']).toBe(String(ROWS));
    expect(res.headers.etag).toBeUndefined();
    const [header, ...records] = parseCsv(res.text);
    expect(header).toEqual(['userId', 'name', 'email', 'createdAt', 'updatedAt']);
    expect(records.map((r) => r[0])).toEqual(Array.from({ length: ROWS }, (_, i) => `u${String(i).padStart(6, '0')}`));
    expect(records[7][1]).toBe("'=SUM(A1:A9)");
    expect(records[8][1]).toBe('a "quoted", two-line\nname');
    expect(records[ROWS - 1]).toEqual([
      `u${String(ROWS - 1).padStart(6, '0')}`,
      `n${String((ROWS - 1) % 700).padStart(4, '0')}`,
      `user${ROWS - 1}@example.com`,
      new Date(Date.parse('2026-01-01T00:00:00.000Z') + Math.floor((ROWS - 1) / 3) * 1000).toISOString(),
      '2026-01-01T00:00:00.000Z',
    ]);
  });

  it('offset, sort and fields apply as on a page: the rest of the collection in that order', async () => {
    // 2,100 rows after the offset: exactly three full batches, then an empty read ends the export.
    const res = await csv('?offset=245&sort=-name&fields=userId,name').expect(200);
    const [header, ...records] = parseCsv(res.text);
    expect(header).toEqual(['userId', 'name']);
    const expected = await db
      .getRepository(usersResource.entity)
      .find({ order: { name: 'DESC', id: 'ASC' } as never, skip: 245, take: ROWS });
    expect(records).toEqual(expected.map((r) => [r.id, r.name.startsWith('=') ? `'${r.name}` : r.name]));
  });

  it('HEAD answers the headers of the export without reading its rows', async () => {
    const find = jest.spyOn(db.getRepository(usersResource.entity), 'find');
    try {
      await csv('?fields=userId').expect(200);
      const reads = find.mock.calls.length;
      expect(reads).toBeGreaterThan(0);
      const head = await t.http.head('/api/v1/users').set('authorization', auth).set('accept', 'text/csv').expect(200);
      expect(head.headers['content-type']).toMatch(/^text\/csv/);
      expect(head.headers['x-total-count']).toBe(String(ROWS));
      expect(find.mock.calls.length).toBe(reads);
    } finally {
      find.mockRestore();
    }
  });

  it('from an offset past the end: the count, and no rows read', async () => {
    const find = jest.spyOn(db.getRepository(usersResource.entity), 'find');
    try {
      const res = await csv(`?offset=${ROWS}`).expect(200);
      expect(res.headers['x-total-count']).toBe(String(ROWS));
      expect(parseCsv(res.text).length).toBeLessThanOrEqual(1);
      expect(find).not.toHaveBeenCalled();
    } finally {
      find.mockRestore();
    }
  });

  it('a filter narrows the export; with limit the CSV is that one page', async () => {
    const filtered = parseCsv((await csv('?name=n0003&fields=email').expect(200)).text);
    expect(filtered.slice(1).map((r) => r[0])).toEqual([3, 703, 1403, 2103].map((i) => `user${i}@example.com`));
    const page = await csv('?limit=5&offset=10').expect(200);
    expect(page.headers.etag).toMatch(/^"/);
    expect(
      parseCsv(page.text)
        .slice(1)
        .map((r) => r[0]),
    ).toEqual([10, 11, 12, 13, 14].map((i) => `u${String(i).padStart(6, '0')}`));
  });
});
