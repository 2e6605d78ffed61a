import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { IDEMPOTENT_RETRY_DETAIL } from '../src/common/http/database-problem.js';
import { bearer, createUser, expectProblem } from './helpers/http.js';
import { BOOTSTRAP, startTestApp, type TestApp } from './helpers/test-app.js';

interface HealthBody {
  status: string;
  error?: Record<string, { status: string; message?: string }>;
}

const payment = { userId: '01JEXAMPLEUSER000000000000', amount: 1200, currency: 'JPY' };

describe('database unavailable: 503 problems with Retry-After on every route (issue 8, item 3)', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await startTestApp();
    token = await t.token();
    await t.app.get(DataSource).destroy();
  });
  afterAll(async () => {
    await t.close();
  });

  it('users, payments and /oauth/token answer 503 service-unavailable with Retry-After, never 500', async () => {
    const answers = [
      await t.http.get('/api/v1/users').set('authorization', bearer(token)),
      await t.http
        .post('/api/v1/users')
        .set('authorization', bearer(token))
        .send({ name: 'A', email: 'a@example.com' }),
      await t.http.get('/api/v1/payments').set('authorization', bearer(token)),
      await t.http.post('/api/v1/payments').set('authorization', bearer(token)).send(payment),
      await t.http
        .post('/oauth/token')
        .type('form')
        .send({ grant_type: 'client_credentials', client_id: BOOTSTRAP.id, client_secret: BOOTSTRAP.secret }),
    ];
    for (const res of answers) {
      expectProblem(res, 503, 'service-unavailable');
      expect(res.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
    }
  });

  it('a payment sent with an Idempotency-Key is told that retrying with the same key is safe', async () => {
    const res = await t.http
      .post('/api/v1/payments')
      .set('authorization', bearer(token))
      .set('idempotency-key', 'order-42')
      .send(payment);
    const problem = expectProblem(res, 503, 'service-unavailable') as unknown as Record<string, unknown>;
    expect(problem.retryWithSameIdempotencyKey).toBe(true);
    expect(problem.detail).toContain(IDEMPOTENT_RETRY_DETAIL);
  });

  it('without an Idempotency-Key, or on an operation that takes none, no such promise is made', async () => {
    const unkeyed = await t.http.post('/api/v1/payments').set('authorization', bearer(token)).send(payment);
    const ignored = await t.http
      .post('/api/v1/users')
      .set('authorization', bearer(token))
      .set('idempotency-key', 'user-1')
      .send({ name: 'A', email: 'a@example.com' });
    for (const res of [unkeyed, ignored]) {
      const problem = expectProblem(res, 503) as unknown as Record<string, unknown>;
      expect(problem.retryWithSameIdempotencyKey).toBeUndefined();
      expect(problem.detail).not.toContain('Idempotency-Key');
    }
  });
});

// SQLite in a file of its own under either suite: the failures below are SQLite's.
describe('readiness on SQLite: the database must take a write (issue 8, item 6)', () => {
  let dir: string;
  let t: TestApp;
  let token: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nig-ready-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string> = {}) => {
    t = await startTestApp({ DATABASE_URL: '', REDIS_URL: '', SQLITE_PATH: join(dir, `${Date.now()}.sqlite`), ...env });
    token = await t.token();
  };

  it('a read-only database: writes answer 503 with Retry-After, /health and /health/ready 503, liveness 200', async () => {
    await start();
    try {
      await createUser(t, token, 'Before', 'before@example.com');
      await t.http.get('/health/ready').expect(200);
      await t.app.get(DataSource).query('PRAGMA query_only = ON');
      const write = await t.http
        .post('/api/v1/users')
        .set('authorization', bearer(token))
        .send({ name: 'After', email: 'after@example.com' });
      expectProblem(write, 503, 'service-unavailable');
      expect(write.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
      await t.http.get('/api/v1/users').set('authorization', bearer(token)).expect(200);
      for (const path of ['/health', '/health/ready']) {
        const res = await t.http.get(path);
        expect(res.status).toBe(503);
        expect((res.body as HealthBody).error?.database.status).toBe('down');
      }
      await t.http.get('/health/live').expect(200);
    } finally {
      await t.close();
    }
  });

  it('another process holding the write lock past DATABASE_BUSY_TIMEOUT_MS: a write answers 503, reason busy', async () => {
    const file = join(dir, 'busy.sqlite');
    t = await startTestApp({ DATABASE_URL: '', REDIS_URL: '', SQLITE_PATH: file, DATABASE_BUSY_TIMEOUT_MS: '200' });
    token = await t.token();
    const other = new Database(file);
    try {
      other.exec('BEGIN IMMEDIATE');
      const res = await t.http
        .post('/api/v1/users')
        .set('authorization', bearer(token))
        .send({ name: 'Busy', email: 'busy@example.com' });
      const problem = expectProblem(res, 503, 'service-unavailable') as unknown as Record<string, unknown>;
      expect(problem.reason).toBe('busy');
      expect(res.headers['retry-after']).toBe('1');
    } finally {
      other.exec('ROLLBACK');
      other.close();
      await t.close();
    }
  });

  it('a disk with less free space than DATABASE_MIN_FREE_MB: /health/ready 503 naming the free space', async () => {
    await start({ DATABASE_MIN_FREE_MB: '1048576' });
    try {
      const res = await t.http.get('/health/ready');
      expect(res.status).toBe(503);
      expect((res.body as HealthBody).error?.database.message).toMatch(/MiB free for the database/);
      await t.http.get('/health/live').expect(200);
    } finally {
      await t.close();
    }
  });
});
