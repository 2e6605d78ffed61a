import { DataSource } from 'typeorm';
import { USER_SORTABLE } from '../src/modules/users/dto/user.dto.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

// Paging a large collection stays cheap only if every sort and filter key can be read from an
// index in order: a key added to USER_SORTABLE (or a new filter) without its index fails here.
const FILTERABLE = ['name', 'email'];
const COLUMN: Record<string, string> = {
  name: 'name',
  email: 'email',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

/** The first column of every index on `table`, read from the catalogue (TypeORM's getTable
 * lists a PostgreSQL index's columns in table order, not index order). */
async function leadingIndexColumns(dataSource: DataSource, table: string): Promise<Set<string>> {
  if (dataSource.options.type === 'postgres') {
    const rows = await dataSource.query<{ column: string }[]>(
      `SELECT a.attname AS "column" FROM pg_index i
         JOIN pg_class t ON t.oid = i.indrelid
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
        WHERE t.relname = $1`,
      [table],
    );
    return new Set(rows.map((r) => r.column));
  }
  const indexes = await dataSource.query<{ name: string }[]>(`PRAGMA index_list('${table}')`);
  const leading = new Set<string>();
  for (const { name } of indexes) {
    const columns = await dataSource.query<{ seqno: number; name: string }[]>(`PRAGMA index_info('${name}')`);
    const first = columns.find((c) => c.seqno === 0);
    if (first) leading.add(first.name);
  }
  return leading;
}

describe('users list indexes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('leads an index (or a unique constraint) with every sortable and filterable column', async () => {
    const leading = await leadingIndexColumns(t.app.get(DataSource), 'users');
    for (const key of new Set([...USER_SORTABLE, ...FILTERABLE])) {
      expect({ key, indexed: leading.has(COLUMN[key]) }).toEqual({ key, indexed: true });
    }
  });

  it('reads a name-filtered page in the default order (and reversed) from one index, without a sort', async () => {
    const db = t.app.get(DataSource);
    const pg = db.options.type === 'postgres';
    for (const direction of ['ASC', 'DESC']) {
      const sql = `SELECT * FROM users WHERE name = ${pg ? '$1' : '?'}
                   ORDER BY created_at ${direction}, id ${direction} LIMIT 20`;
      const plan = pg
        ? await db.transaction(async (manager) => {
            // An empty table is read whole by any plan: tell the planner to plan for a large one.
            await manager.query('SET LOCAL enable_seqscan = off');
            const rows = await manager.query<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${sql}`, ['Kim']);
            return rows.map((r) => r['QUERY PLAN']).join('\n');
          })
        : (await db.query<{ detail: string }[]>(`EXPLAIN QUERY PLAN ${sql}`, ['Kim'])).map((r) => r.detail).join('\n');
      expect(plan).toContain('ix_users_name_created_at_id');
      expect(plan).not.toMatch(/Sort|TEMP B-TREE/);
    }
  });
});
