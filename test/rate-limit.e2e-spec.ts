import { DataSource } from 'typeorm';
import { ApiClient } from '../src/modules/auth/entities/api-client.entity.js';
import { hashSecret } from '../src/modules/auth/secret-hash.js';
import { bearer, expectProblem } from './helpers/http.js';
import { BOOTSTRAP, startTestApp, type TestApp } from './helpers/test-app.js';

const OTHER = { id: 'other-client', secret: 'other-client-secret-0123456789' };
const METRICS_TOKEN = 'metrics-static-token-0123456789';

async function addClient(t: TestApp, id: string, secret: string): Promise<void> {
  const now = new Date();
  await t.app
    .get(DataSource)
    .getRepository(ApiClient)
    .insert({
      clientId: id,
      name: id,
      secretHash: await hashSecret(secret),
      scopes: 'users:read',
      createdAt: now,
      updatedAt: now,
    });
}

const tokenRequest = (t: TestApp, id: string, secret: string) =>
  t.http
    .post('/oauth/token')
    .type('form')
    .send({ grant_type: 'client_credentials', client_id: id, client_secret: secret });

describe('rate limit (§3 429, §7 RATE_LIMIT_PER_MINUTE)', () => {
  describe('per token subject on /api/v1', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '3' });
      await addClient(t, OTHER.id, OTHER.secret);
    });
    afterAll(async () => {
      await t.close();
    });

    it('the request over the limit gets 429 with Retry-After; another client keeps its own budget', async () => {
      const auth = bearer(await t.token());
      for (const remaining of ['2', '1', '0']) {
        const ok = await t.http.get('/api/v1/users').set('authorization', auth);
        expect(ok.status).toBe(200);
        expect(ok.headers['ratelimit-limit']).toBe('3');
        expect(ok.headers['ratelimit-remaining']).toBe(remaining);
      }
      const limited = await t.http.get('/api/v1/users').set('authorization', auth);
      const problem = expectProblem(limited, 429, 'too-many-requests', '/api/v1/users');
      const retryAfter = Number(limited.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(problem.detail).toContain(String(retryAfter));

      const other = await tokenRequest(t, OTHER.id, OTHER.secret).expect(200);
      const otherAuth = bearer((other.body as { access_token: string }).access_token);
      await t.http.get('/api/v1/users').set('authorization', otherAuth).expect(200);
    });
  });

  describe('per IP on /oauth/token; operations endpoints exempt', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '3', METRICS_TOKEN });
    });
    afterAll(async () => {
      await t.close();
    });

    it('the token endpoint is limited too, even for good credentials once the budget is spent', async () => {
      for (let i = 0; i < 3; i++) await tokenRequest(t, BOOTSTRAP.id, 'wrong-secret-000000000').expect(401);
      const limited = await tokenRequest(t, BOOTSTRAP.id, BOOTSTRAP.secret);
      expectProblem(limited, 429, 'too-many-requests', '/oauth/token');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    });

    it('/health, /health/live, /health/ready, /version, /status and /metrics are not rate limited', async () => {
      for (let i = 0; i < 5; i++) {
        for (const path of ['/health', '/health/live', '/health/ready', '/version', '/status']) {
          const res = await t.http.get(path);
          expect([path, res.status]).toEqual([path, 200]);
        }
        await t.http.get('/metrics').set('authorization', bearer(METRICS_TOKEN)).expect(200);
      }
    });
  });

  describe('RATE_LIMIT_PER_MINUTE=0', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '0' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('turns the limit off: no 429 and no rate-limit headers', async () => {
      for (let i = 0; i < 5; i++) await tokenRequest(t, BOOTSTRAP.id, BOOTSTRAP.secret).expect(200);
      const auth = bearer(await t.token());
      for (let i = 0; i < 25; i++) {
        const res = await t.http.get('/api/v1/users').set('authorization', auth);
        expect(res.status).toBe(200);
        expect(res.headers['ratelimit-limit']).toBeUndefined();
      }
    });
  });
});
