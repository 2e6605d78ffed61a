import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createSandboxServer, type SandboxServer } from '../../src/modules/sandbox/index.js';
import { bearer, createUser, envelope, expectProblem } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { call, CREDENTIALS } from '../support/sandbox-http.js';
import { waitFor } from '../support/wait.js';
import { requestsTo, sandboxEnv } from '../support/integrations.js';

// Shared outbound state needs Redis: these run under `npm run test:pg` only.

// Runs under `npm run test:pg` only (*.redis-spec.ts): it needs the shared Redis.
describe('two instances on one Redis: one OAuth 2.0 token, one 429 pause', () => {
  const prefix = `t_shared_${randomBytes(4).toString('hex')}:`;
  let sandbox: SandboxServer;
  let url: string;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    sandbox = createSandboxServer({ credentials: CREDENTIALS, settleDelayMs: 600_000 });
    url = await sandbox.listen(0);
    // Separate databases, one Redis key prefix: as two replicas of one deployment.
    for (let i = 0; i < 2; i++) {
      apps.push(await startTestApp({ ...sandboxEnv(url), REDIS_KEY_PREFIX: prefix, HTTP_TOTAL_TIMEOUT_MS: '2000' }));
    }
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await sandbox.close();
    const redis = new Redis(process.env.TEST_REDIS_URL!);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('the second instance pays with the token the first one fetched', async () => {
    for (const [i, app] of apps.entries()) {
      const token = await app.token();
      const user = await createUser(app, token, `Replica ${i}`, `replica${i}@example.com`);
      await app.http
        .post('/api/v1/payments')
        .set('authorization', bearer(token))
        .send({ userId: user.userId, amount: 100 + i, currency: 'JPY' })
        .expect(201);
    }
    expect(sandbox.stats().token.requests).toBe(1);
    expect(sandbox.stats().payments.created).toBe(2);
  });

  it('a 429 with Retry-After seen by one instance pauses the service on the other, which then sends nothing', async () => {
    const put = await call(url, 'PUT', '/_faults/maps/a', { json: { status: 429, retryAfter: '30' } });
    expect(put.status).toBe(200);
    await call(url, 'PUT', '/_faults/maps/b', { json: { status: 429, retryAfter: '30' } });
    const [first, second] = apps;
    const token1 = await first.token();
    const limited = await first.http.get('/api/v1/geocode?address=Tokyo%20Tower').set('authorization', bearer(token1));
    expectProblem(limited, 503);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(20);

    const token2 = await second.token();
    const pausedUntil = await waitFor(
      async () => {
        const res = await second.http.get('/api/v1/integrations/maps').set('authorization', bearer(token2)).expect(200);
        return envelope<{ rateLimit: { pausedUntil: string | null } }>(res).data.rateLimit.pausedUntil;
      },
      { what: 'the pause to reach the second instance', timeoutMs: 3000 },
    );
    expect(Date.parse(pausedUntil)).toBeGreaterThan(Date.now() + 20_000);

    const before = requestsTo(sandbox.stats(), 'maps');
    const paused = await second.http.get('/api/v1/geocode?address=Tokyo%20Tower').set('authorization', bearer(token2));
    expectProblem(paused, 503);
    expect(requestsTo(sandbox.stats(), 'maps')).toBe(before);
  });
});
