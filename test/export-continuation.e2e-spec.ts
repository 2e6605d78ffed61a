import { jest } from '@jest/globals';
import { DataSource, type FindOptionsWhere, type Repository } from 'typeorm';
import { exportRows } from '../src/common/resource/export-rows.js';
import { pageOrder, type Direction, type Keyed } from '../src/common/resource/find-page.js';
import { Payment } from '../src/modules/payments/entities/payment.entity.js';
import { usersResource } from '../src/modules/users/users.resource.js';
import { paymentRow } from './helpers/payment-rows.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

/**
 * A CSV export continues each batch from the last row sent, not by offset (src/common/resource/export-rows.ts).
 * With batches of 3 then 4 rows, every export must send exactly what one forward read gives: repeated sort
 * values (blocks longer than a batch), NULLs at either end, timestamps with microseconds that a JavaScript
 * `Date` cannot hold, a filter on the sort column, an export starting inside a block, and blocks (NULL ones
 * too) read on by id once they fill a batch. SQLite under `npm test`, PostgreSQL under `npm run test:pg`.
 */
describe('CSV export: batches continue from the last row sent (e2e)', () => {
  let t: TestApp;
  let db: DataSource;
  let pg: boolean;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    pg = db.options.type === 'postgres';
    // Users by SQL, so creation times keep microseconds; names repeat in blocks longer than a batch.
    const micros = ['000000', '000400', '000999', '123456', '123457', '123999', '999999'];
    let n = 0;
    const values: string[] = [];
    const params: unknown[] = [];
    for (let i = 0; i < 23; i++) {
      const at = `2026-01-01 00:00:0${i % 3}.${micros[i % micros.length]}`;
      const row = [
        `01EXPORTCONT00000000000${String(i).padStart(3, '0')}`,
        `N${i % 4 === 0 ? 'a' : 'b'}`,
        `x${i}@e.com`,
        at,
        at,
      ];
      values.push(`(${row.map(() => (pg ? `$${++n}` : '?')).join(', ')})`);
      params.push(...row);
    }
    await db.query(`INSERT INTO users (id, name, email, created_at, updated_at) VALUES ${values.join(', ')}`, params);
    await db.getRepository(Payment).insert(
      Array.from({ length: 17 }, (_, i) =>
        paymentRow(`01EXPORTCONTPAY000000000${String(i).padStart(2, '0')}`, {
          amount: 100 * (i % 2),
          createdAt: new Date(Date.UTC(2026, 0, 1, 0, i)),
          settledAt: i % 3 === 0 ? null : new Date(Date.UTC(2026, 0, 1, 0, i % 2)),
          // NULL in a block of 6 (longer than a batch), then two values.
          lastEventId: i % 3 === 0 ? null : `evt-${i % 2}`,
        }),
      ),
    );
  });
  afterAll(() => t.close());

  async function exported<E extends Keyed>(
    repository: Repository<E>,
    order: Record<string, Direction>,
    offset: number,
    where: FindOptionsWhere<E> = {},
  ): Promise<unknown[]> {
    const ids: unknown[] = [];
    for await (const batch of exportRows(repository, where, order, offset, { first: 3, rest: 4 }))
      ids.push(...batch.map((row) => row.id));
    return ids;
  }

  const forward = async <E extends Keyed>(
    repository: Repository<E>,
    order: Record<string, Direction>,
    offset: number,
    where: FindOptionsWhere<E> = {},
  ) => (await repository.find({ where, order: order as never, skip: offset })).map((row) => row.id);

  it.each(['createdAt', '-createdAt', 'name', '-name', 'name,-createdAt', '-updatedAt,name'])(
    'users sorted by %s: the forward read, from any offset',
    async (sort) => {
      const users = db.getRepository(usersResource.entity) as Repository<Keyed>;
      const order = pageOrder(sort, {});
      for (const offset of [0, 1, 2, 5, 9, 22, 23]) {
        expect({ offset, ids: await exported(users, order, offset) }).toEqual({
          offset,
          ids: await forward(users, order, offset),
        });
      }
      const filter = { name: 'Na' } as FindOptionsWhere<Keyed>;
      expect(await exported(users, order, 0, filter)).toEqual(await forward(users, order, 0, filter));
    },
  );

  it.each([
    'settledAt',
    '-settledAt',
    'settledAt,-amount',
    '-amount,settledAt',
    'amount',
    '-amount',
    'lastEventId',
    '-lastEventId',
  ])('payments sorted by %s (NULLs): the forward read', async (sort) => {
    const payments = db.getRepository(Payment);
    const order = pageOrder(sort, {});
    for (const offset of [0, 2, 4, 6, 8, 13]) {
      expect({ offset, ids: await exported(payments, order, offset) }).toEqual({
        offset,
        ids: await forward(payments, order, offset),
      });
    }
  });

  it('a descending id tie-breaker (as findPage may order): the forward read', async () => {
    const users = db.getRepository(usersResource.entity) as Repository<Keyed>;
    const payments = db.getRepository(Payment) as unknown as Repository<Keyed>;
    const cases: [Repository<Keyed>, Record<string, Direction>][] = [
      [users, { name: 'DESC', id: 'DESC' }],
      [users, { name: 'ASC', id: 'DESC' }],
      [payments, { lastEventId: 'ASC', id: 'DESC' }],
      [payments, { lastEventId: 'DESC', id: 'DESC' }],
    ];
    for (const [repository, order] of cases) {
      for (const offset of [0, 5, 9]) {
        expect({ order, offset, ids: await exported(repository, order, offset) }).toEqual({
          order,
          offset,
          ids: await forward(repository, order, offset),
        });
      }
    }
  });

  it('skips only the rows of the current block, then reads a long block on by id', async () => {
    const users = db.getRepository(usersResource.entity) as Repository<Keyed>;
    const find = jest.spyOn(users, 'find');
    const skips = async (offset: number) => {
      find.mockClear();
      await exported(users, pageOrder('name', {}), offset);
      return find.mock.calls.map(([options]) => options?.skip ?? 0);
    };
    try {
      // 6 rows named "Na", then 17 "Nb"; batches of 3, then 4. By offset the skips would be 0, 3, 7, 11, 15,
      // 19, 23. From the last row sent, they count the rows of its name already sent (3, then 1) until those
      // fill a batch; the rest of "Nb" is then read by id with no skip (they grew 5, 9, 13, 17 before), and
      // one last read finds nothing after "Nb".
      expect(await skips(0)).toEqual([0, 3, 1, 0, 0, 0, 0, 0]);
      // From inside a block, whose start is unknown: by id at once, not by offset (12, 16, 20 before).
      expect(await skips(9)).toEqual([9, 0, 0, 0, 0]);
    } finally {
      find.mockRestore();
    }
  });
});
