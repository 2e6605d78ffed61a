// PostgreSQL only (npm run test:pg): statement and pool-acquire timeouts, and the webhook intake pool.
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { DataSource, type QueryRunner } from 'typeorm';
import { bearer, expectProblem } from './helpers/http.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { STANDARD_SECRET, standardDelivery } from './support/webhook-deliveries.js';

const ENV = {
  DATABASE_POOL_SIZE: '2',
  DATABASE_STATEMENT_TIMEOUT_MS: '500',
  DATABASE_ACQUIRE_TIMEOUT_MS: '300',
  WEBHOOK_ACME_SCHEME: 'standard',
  WEBHOOK_ACME_SECRETS: STANDARD_SECRET,
  WEBHOOK_ACME_ALLOWED_IPS: '127.0.0.1/32,::1/128',
  // The receiver alone: no worker or sweeper competing for the pool.
  WEBHOOK_WORKER_CONCURRENCY: '0',
};

describe('bounded waits on PostgreSQL (issue 8, item 4)', () => {
  let t: TestApp;
  let base: string;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp(ENV);
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    token = await t.token();
  });
  afterAll(async () => {
    await t.close();
  });

  const problemOf = async (res: Response) => ({ status: res.status, headers: res.headers, body: await res.json() });

  it('a lock held on users: GET /api/v1/users answers 503 (statement timeout) with Retry-After, not a wait', async () => {
    // Our own connection, outside the app's pools, holds the table lock until it rolls back.
    const holder = new pg.Client({ connectionString: t.config.database.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
      const res = await t.http.get('/api/v1/users').set('authorization', bearer(token));
      const problem = expectProblem(res, 503, 'service-unavailable') as unknown as Record<string, unknown>;
      expect(problem.reason).toBe('statement-timeout');
      expect(res.headers['retry-after']).toBe('1');
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
    await t.http.get('/api/v1/users').set('authorization', bearer(token)).expect(200);
  });

  it('a saturated pool: 503 at the acquire timeout, while the webhook receiver still acknowledges', async () => {
    const dataSource = t.app.get(DataSource);
    const held: QueryRunner[] = [];
    try {
      for (let i = 0; i < t.config.database.poolSize; i++) {
        const runner = dataSource.createQueryRunner();
        await runner.connect();
        held.push(runner);
      }
      const res = await fetch(`${base}/api/v1/users`, { headers: { authorization: bearer(token) } });
      const problem = await problemOf(res);
      expect(problem.status).toBe(503);
      expect(problem.body).toMatchObject({ reason: 'pool-timeout' });
      expect(problem.headers.get('retry-after')).toBe('1');

      const delivery = standardDelivery({ type: 'order.created', data: { orderId: 'o-1' } });
      const ack = await fetch(`${base}/api/v1/webhooks/acme`, {
        method: 'POST',
        headers: delivery.headers,
        body: delivery.body,
      });
      expect(ack.status).toBe(200);
      expect(((await ack.json()) as { data: { duplicate: boolean } }).data.duplicate).toBe(false);
    } finally {
      for (const runner of held) await runner.release();
    }
    await t.http.get('/api/v1/users').set('authorization', bearer(token)).expect(200);
  });
});
