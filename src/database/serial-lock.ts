/**
 * Runs async sections one after another. better-sqlite3 gives TypeORM one connection and one query runner
 * for the whole process, so a statement issued while another caller's transaction is open becomes part of
 * that transaction (and is rolled back with it), and two transactions nest as savepoints. Every write and
 * transaction through PortableSql goes through this lock on SQLite; on PostgreSQL each caller gets its
 * own pooled connection and the lock is not used.
 */
export class SerialLock {
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;

  run<T>(section: () => Promise<T>): Promise<T> {
    this.queued++;
    const result = this.tail.then(section);
    this.tail = result.then(
      () => this.queued--,
      () => this.queued--,
    );
    return result;
  }

  /** Sections waiting or running, for /debug. */
  get depth(): number {
    return this.queued;
  }
}
