import { DataSource } from 'typeorm';
import { trackedRowCount } from '../src/database/row-counts.js';
import { bearer, createUser, list } from './helpers/http.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

/**
 * The users list's unfiltered `total` is the count the database keeps (src/database/row-counts.ts): it
 * must equal `COUNT(*)` whatever writes the rows (the API, plain SQL) and whether they commit or roll
 * back. SQLite under `npm test`, PostgreSQL under `npm run test:pg`. It also fails when a later migration
 * rebuilds `users` on SQLite and drops its triggers without calling trackRowCount again.
 */
describe('users: the total the database keeps (e2e)', () => {
  let t: TestApp;
  let token: string;
  let db: DataSource;
  let pg: boolean;

  beforeAll(async () => {
    t = await startTestApp();
    token = await t.token();
    db = t.app.get(DataSource);
    pg = t.config.database.type === 'postgres';
  });
  afterAll(() => t.close());

  const counted = async () => Number(((await db.query('SELECT COUNT(*) AS n FROM users')) as { n: string }[])[0].n);
  const listedTotal = async (query = '') =>
    list(await t.http.get(`/api/v1/users?limit=1${query}`).set('authorization', bearer(token)).expect(200)).total;
  /** One INSERT statement of these rows (a statement-level trigger must count them all). */
  const insertSql = (...ids: string[]) => {
    const at = pg ? new Date() : new Date().toISOString().replace('T', ' ').replace('Z', '');
    let n = 0;
    const row = () => `(${Array.from({ length: 5 }, () => (pg ? `$${++n}` : '?')).join(', ')})`;
    return {
      sql: `INSERT INTO users (id, name, email, created_at, updated_at) VALUES ${ids.map(row).join(', ')}`,
      params: ids.flatMap((id) => [id, `Raw ${id}`, `${id.toLowerCase()}@example.com`, at, at]),
    };
  };

  it('counts the rows the API creates and deletes', async () => {
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await createUser(t, token, `Kept ${i}`, `kept${i}@example.com`));
    await t.http.delete(`/api/v1/users/${created[0].userId}`).set('authorization', bearer(token)).expect(204);
    expect(await trackedRowCount(db, 'users')).toBe(await counted());
    expect(await listedTotal()).toBe(await counted());
    expect(await counted()).toBe(4);
  });

  it('counts rows written by plain SQL (triggers, not the app), and not those rolled back', async () => {
    const before = await counted();
    const three = insertSql('01ROWCOUNTRAW0000000000001', '01ROWCOUNTRAW0000000000003', '01ROWCOUNTRAW0000000000004');
    await db.query(three.sql, three.params);
    const two = insertSql('01ROWCOUNTRAW0000000000002');
    await expect(
      db.transaction(async (manager) => {
        await manager.query(two.sql, two.params);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await counted()).toBe(before + 3);
    expect(await trackedRowCount(db, 'users')).toBe(before + 3);
    expect(await listedTotal()).toBe(before + 3);

    await db.query('DELETE FROM users');
    expect(await trackedRowCount(db, 'users')).toBe(0);
    expect(await listedTotal()).toBe(0);
  });

  it('still counts a filtered list by its filter', async () => {
    await createUser(t, token, 'Filtered', 'filtered@example.com');
    await createUser(t, token, 'Other', 'other@example.com');
    expect(await listedTotal('&name=Filtered')).toBe(1);
    expect(await listedTotal()).toBe(2);
  });

  it('reads the unfiltered total from the kept count, without counting the table', async () => {
    const kept = await counted();
    // Set apart from the truth for a moment: the unfiltered list says what was kept, a filtered one counts.
    await db.query(`UPDATE row_counts SET row_count = 1000000 WHERE table_name = 'users'`);
    try {
      expect(await listedTotal()).toBe(1000000);
      expect(await listedTotal('&name=Filtered')).toBe(1);
    } finally {
      await db.query(`UPDATE row_counts SET row_count = ${kept} WHERE table_name = 'users'`);
    }
  });
});
