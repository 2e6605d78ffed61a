import { DataSource, type Repository } from 'typeorm';
import { findPage } from '../src/common/resource/find-page.js';
import { Payment } from '../src/modules/payments/entities/payment.entity.js';
import { bearer, createUser, list, type UserBody } from './helpers/http.js';
import { paymentRow } from './helpers/payment-rows.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

/**
 * A page nearer the end of a collection is read from the end in the reversed order (readPage in
 * src/common/resource/find-page.ts). Every page, at every offset, must be the one reading forward gives,
 * on the database itself: repeated sort keys, NULLs (which each database puts at one end), filters and
 * the last, partial page. SQLite under `npm test`, PostgreSQL under `npm run test:pg`.
 */
describe('paging: pages near the end read from the end, deep pages by id on PostgreSQL (e2e)', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.token();
    // Names repeat, so the id tie-breaker decides much of the order.
    for (let i = 0; i < 13; i++) await createUser(t, token, ['Kim', 'Lee', 'Abe'][i % 3], `page${i}@example.com`);
  });
  afterAll(() => t.close());

  const ids = async (query: string) => {
    const res = await t.http.get(`/api/v1/users?${query}`).set('authorization', bearer(token)).expect(200);
    const body = list<UserBody>(res);
    return { ids: body.data.map((u) => u.userId), total: body.total };
  };

  it.each(['sort=name', 'sort=-name', 'sort=-createdAt', 'sort=name,-createdAt', 'name=Kim&sort=-name'])(
    'users (%s): every page at every offset is the forward read',
    async (query) => {
      const all = await ids(`${query}&limit=100`);
      expect(all.ids).toHaveLength(all.total);
      for (const limit of [1, 3, 5]) {
        for (let offset = 0; offset <= all.total + 1; offset++) {
          const page = await ids(`${query}&offset=${offset}&limit=${limit}`);
          expect({ offset, limit, ...page }).toEqual({
            offset,
            limit,
            ids: all.ids.slice(offset, offset + limit),
            total: all.total,
          });
        }
      }
    },
  );

  it('payments sorted by a column with NULLs: every page is the forward read', async () => {
    const payments: Repository<Payment> = t.app.get(DataSource).getRepository(Payment);
    const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
    await payments.insert(
      Array.from({ length: 11 }, (_, i) =>
        paymentRow(`01PAGEFROMTHEEND00000000${String(i).padStart(2, '0')}`, {
          amount: 100 * (i % 3),
          createdAt: at(i),
          // Some never settled, some settled at the same minute.
          settledAt: i % 4 === 0 ? null : at(i % 2),
        }),
      ),
    );
    // deferredFrom 0: on PostgreSQL every page past the first reads its ids first, then the rows (pageRows).
    const read = async (sort: string, offset: number, limit: number, deferredFrom?: number) => {
      const page = await findPage(
        payments,
        { offset, limit, sort },
        { where: {}, defaultSort: { createdAt: 'ASC' }, map: (p: Payment) => p.id, deferredFrom },
      );
      return { ids: page.items, total: page.total };
    };
    for (const sort of ['settledAt', '-settledAt', 'amount,-settledAt']) {
      const all = await read(sort, 0, 100);
      expect(all.total).toBe(11);
      for (const deferredFrom of [undefined, 0]) {
        for (const limit of [2, 4]) {
          for (let offset = 1; offset <= 12; offset++) {
            expect({ sort, deferredFrom, offset, limit, ...(await read(sort, offset, limit, deferredFrom)) }).toEqual({
              sort,
              deferredFrom,
              offset,
              limit,
              ids: all.ids.slice(offset, offset + limit),
              total: 11,
            });
          }
        }
      }
    }
  });
});
