// Test defaults: quiet logs, no sandbox unless a suite asks, PostgreSQL + Redis only under test:pg.
process.env.NODE_ENV ??= 'test';
process.env.LOG_LEVEL ??= 'silent';
process.env.SANDBOX_ENABLED ??= 'false';
if (process.env.TEST_BACKEND === 'pg') {
  process.env.TEST_DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
  process.env.TEST_REDIS_URL ??= 'redis://127.0.0.1:6379';
}
