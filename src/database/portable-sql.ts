import type { DataSource, QueryRunner } from 'typeorm';
import { SerialLock } from './serial-lock.js';

export type Row = Record<string, unknown>;

/**
 * Hand-written SQL that runs unchanged on SQLite and PostgreSQL: statements use `?` placeholders (they
 * become `$n` for pg); times are `Date` for pg and UTC `YYYY-MM-DD HH:MM:SS.mmm` text for SQLite, the
 * format TypeORM writes there, so comparisons hold. On SQLite every write and transaction runs alone
 * (SerialLock). For hot paths where one statement beats the repository's several round trips.
 */
export class PortableSql {
  readonly postgres: boolean;
  private readonly lock: SerialLock | null;
  private readonly numberedCache = new Map<string, string>();

  constructor(protected readonly dataSource: DataSource) {
    this.postgres = dataSource.options.type === 'postgres';
    this.lock = this.postgres ? null : new SerialLock();
  }

  /**
   * Runs a write or a transaction alone on SQLite (see SerialLock). Reads do not wait: on the shared
   * connection they may see a running transaction's uncommitted writes.
   */
  serial<T>(section: () => Promise<T>): Promise<T> {
    return this.lock ? this.lock.run(section) : section();
  }

  get lockDepth(): number {
    return this.lock?.depth ?? 0;
  }

  /** Runs SQL written with `?` placeholders; `rows` from RETURNING / SELECT, `affected` for writes. */
  async exec(
    sql: string,
    params: unknown[],
    runner?: QueryRunner,
    source = this.dataSource,
  ): Promise<{ rows: Row[]; affected: number }> {
    const queryRunner = runner ?? source.createQueryRunner();
    try {
      const text = this.postgres ? this.numbered(sql) : sql;
      const result = (await queryRunner.query(text, params, true)) as { records?: Row[]; affected?: number };
      const rows = result.records ?? [];
      return { rows, affected: result.affected ?? rows.length };
    } finally {
      if (!runner) await queryRunner.release();
    }
  }

  /** A time as this database compares it (see the class comment). */
  time(date: Date): Date | string {
    return this.postgres ? date : date.toISOString().replace('T', ' ').replace('Z', '');
  }

  /** A time column read back (a Date from pg, UTC text from SQLite). */
  date(value: unknown): Date | null {
    if (value === null || value === undefined) return null;
    if (value instanceof Date) return value;
    const text = String(value);
    return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
  }

  /** `?` → `$1, $2, ...` for pg, once per statement text. */
  private numbered(sql: string): string {
    let text = this.numberedCache.get(sql);
    if (text === undefined) {
      let n = 0;
      text = sql.replace(/\?/g, () => `$${++n}`);
      if (this.numberedCache.size < 100) this.numberedCache.set(sql, text);
    }
    return text;
  }
}
