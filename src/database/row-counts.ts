import type { DataSource, QueryRunner } from 'typeorm';

/**
 * Exact row counts the database keeps itself, for collections whose unfiltered list must say its true
 * `total` without `COUNT(*)` over the whole table (at 1M rows that count cost 65 ms of CPU per request on
 * SQLite and ~0.9 s on PostgreSQL with ten lists at once: docs/benchmarks.md). Triggers on the table add
 * or take one in `row_counts` inside the writing transaction, so the count commits or rolls back with
 * the rows and is as true as `COUNT(*)`. The price: on PostgreSQL concurrent writes to one tracked table
 * take turns on its counter row until they commit (one update per statement); fine for tables written
 * at human rates, not for a hot log table.
 *
 * A migration that rebuilds a tracked table on SQLite (TypeORM does so to change a column) drops its
 * triggers: such a migration calls `trackRowCount` again (test/row-counts.e2e-spec.ts fails otherwise).
 */
export const ROW_COUNTS = 'row_counts';

const isPostgres = (runner: QueryRunner) => runner.connection.options.type === 'postgres';

/** The triggers that keep `table`'s count, by name, with the statement creating each (one list per database). */
function counterTriggers(runner: QueryRunner, table: string): { name: string; create: string }[] {
  const name = (event: string) => `${table}_row_count_${event.toLowerCase()}`;
  if (isPostgres(runner)) {
    // Per statement, over its transition table: one UPDATE of the counter row per INSERT or DELETE
    // statement, however many rows it writes. Per row, an INSERT … SELECT of 1M rows updated the one
    // counter row 1M times in one transaction, each walking the row's growing chain of versions
    // (it had not finished after 7 minutes).
    const track = `FOR EACH STATEMENT EXECUTE FUNCTION ${ROW_COUNTS}_track()`;
    return [
      ['INSERT', 'REFERENCING NEW TABLE AS changed '],
      ['DELETE', 'REFERENCING OLD TABLE AS changed '],
      ['TRUNCATE', ''],
    ].map(([event, transition]) => ({
      name: name(event),
      create: `CREATE TRIGGER ${name(event)} AFTER ${event} ON "${table}" ${transition}${track}`,
    }));
  }
  // SQLite fires these for `DELETE FROM t` without WHERE too (triggers turn off its truncate shortcut).
  return [
    ['INSERT', '+ 1'],
    ['DELETE', '- 1'],
  ].map(([event, delta]) => ({
    name: name(event),
    create: `CREATE TRIGGER ${name(event)} AFTER ${event} ON "${table}" BEGIN
               UPDATE ${ROW_COUNTS} SET row_count = row_count ${delta} WHERE table_name = '${table}';
             END`,
  }));
}

/** In a migration: keep the row count of `table` from now on (idempotent: it recounts). */
export async function trackRowCount(runner: QueryRunner, table: string): Promise<void> {
  await runner.query(
    `CREATE TABLE IF NOT EXISTS ${ROW_COUNTS} (table_name varchar(63) PRIMARY KEY, row_count bigint NOT NULL)`,
  );
  await untrackRowCount(runner, table);
  if (isPostgres(runner)) {
    await runner.query(`CREATE OR REPLACE FUNCTION ${ROW_COUNTS}_track() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          UPDATE ${ROW_COUNTS} SET row_count = row_count + (SELECT COUNT(*) FROM changed) WHERE table_name = TG_TABLE_NAME;
        ELSIF TG_OP = 'DELETE' THEN
          UPDATE ${ROW_COUNTS} SET row_count = row_count - (SELECT COUNT(*) FROM changed) WHERE table_name = TG_TABLE_NAME;
        ELSE
          UPDATE ${ROW_COUNTS} SET row_count = 0 WHERE table_name = TG_TABLE_NAME;
        END IF;
        RETURN NULL;
      END $$`);
  }
  // On PostgreSQL creating the triggers locks out writers until the migration commits, so the count is exact.
  for (const trigger of counterTriggers(runner, table)) await runner.query(trigger.create);
  await runner.query(`INSERT INTO ${ROW_COUNTS} (table_name, row_count) SELECT '${table}', COUNT(*) FROM "${table}"`);
}

/** In a migration's `down`: stop counting `table`. */
export async function untrackRowCount(runner: QueryRunner, table: string): Promise<void> {
  const on = isPostgres(runner) ? ` ON "${table}"` : '';
  for (const { name } of counterTriggers(runner, table)) await runner.query(`DROP TRIGGER IF EXISTS ${name}${on}`);
  await runner.query(`DELETE FROM ${ROW_COUNTS} WHERE table_name = '${table}'`);
}

/** The kept count of `table`, or undefined when it is not tracked (the caller counts the rows). */
export async function trackedRowCount(dataSource: DataSource, table: string): Promise<number | undefined> {
  const placeholder = dataSource.options.type === 'postgres' ? '$1' : '?';
  const rows = (await dataSource.query(`SELECT row_count FROM ${ROW_COUNTS} WHERE table_name = ${placeholder}`, [
    table,
  ])) as { row_count: number | string }[];
  return rows.length === 1 ? Number(rows[0].row_count) : undefined;
}
