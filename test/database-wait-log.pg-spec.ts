// PostgreSQL only (npm run test:pg): the pool given to TypeORM times every connection checkout.
import { DatabaseWaitLog, timedPg } from '../src/database/database-wait-log.js';

describe('timedPg: slow pool checkouts are reported (issue 8, item 4)', () => {
  it('a checkout that waits past the threshold for a busy pool is reported with the waiters, failed at the timeout', async () => {
    const reports: { ms: number; waiting: number; failed: boolean }[] = [];
    const log = new DatabaseWaitLog('test');
    log.slowAcquire = (ms, waiting, failed) => void reports.push({ ms, waiting, failed });
    const pg = timedPg(50, log);
    const pool = new pg.Pool({ connectionString: process.env.TEST_DATABASE_URL, max: 1, connectionTimeoutMillis: 200 });
    try {
      const held = await pool.connect();
      reports.length = 0; // the first connection may be slow to open on a busy machine
      const waiting = await new Promise<Error | undefined>((resolve) => pool.connect((err) => resolve(err)));
      expect(waiting?.message).toMatch(/timeout exceeded when trying to connect/);
      held.release();
      expect(reports).toEqual([{ ms: expect.any(Number), waiting: 0, failed: true }]);
      expect(reports[0].ms).toBeGreaterThanOrEqual(50);
    } finally {
      await pool.end();
    }
  });
});
