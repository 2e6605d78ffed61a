import { readFileSync } from 'node:fs';
import { bearer, createUser, expectProblem } from './helpers/http.js';
import { BOOTSTRAP, startTestApp, type TestApp } from './helpers/test-app.js';
import type { HealthBody, StatusBody, VersionBody } from './support/operations-bodies.js';

interface DebugBody {
  uptimeSeconds: number;
  memory: { rssBytes: number; heapUsedBytes: number };
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  config: { auth: { jwtSecret: string; bootstrapClientSecret: string }; app: { metricsToken: string } };
}

const JWT_SECRET = 'e2e-jwt-secret-that-must-never-leak-0001';
const METRICS_TOKEN = 'metrics-static-token-0123456789';
const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as VersionBody)
  .version;
const SLA_KEYS = ['latencyP95Ms', 'availabilityPercent', 'errorRatePercent', 'retrySuccessPercent'] as const;
const pg = process.env.TEST_BACKEND === 'pg';

describe('operations endpoints (§4)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      AUTH_JWT_SECRET: JWT_SECRET,
      METRICS_TOKEN,
      APP_COMMIT: 'abc1234',
      APP_BUILD_TIME: '2024-12-17T10:30:00Z',
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('GET /health: 200 terminus report with every dependency up, no token needed', async () => {
    const res = await t.http.get('/health').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.body as HealthBody;
    expect(body.status).toBe('ok');
    expect(body.info?.database.status).toBe('up');
    if (pg) expect(body.info?.redis.status).toBe('up');
  });

  it('GET /health/live: 200 {status: ok}', async () => {
    expect((await t.http.get('/health/live').expect(200)).body).toEqual({ status: 'ok' });
  });

  it('GET /health/ready: 200 when ready, with the database checked', async () => {
    const body = (await t.http.get('/health/ready').expect(200)).body as HealthBody;
    expect(body.status).toBe('ok');
    expect(body.info?.database.status).toBe('up');
  });

  it('GET /version: version from package.json, commit, buildTime, node', async () => {
    const body = (await t.http.get('/version').expect(200)).body as VersionBody;
    expect(body).toMatchObject({
      version: PACKAGE_VERSION,
      commit: 'abc1234',
      buildTime: '2024-12-17T10:30:00Z',
      node: process.version,
    });
  });

  describe('GET /metrics', () => {
    it('401 with WWW-Authenticate: Bearer without a token; 403 without ops:read', async () => {
      const anonymous = await t.http.get('/metrics');
      expectProblem(anonymous, 401, 'unauthorized', '/metrics');
      expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer\b/);
      const usersOnly = await t.http.get('/metrics').set('authorization', bearer(await t.token(['users:read'])));
      expectProblem(usersOnly, 403, 'forbidden', '/metrics');
      expectProblem(await t.http.get('/metrics').set('authorization', bearer('not-the-metrics-token')), 401);
    });

    it('with ops:read: Prometheus text with request durations by route template, method and status', async () => {
      const token = await t.token();
      const user = await createUser(t, token, 'Metric', 'metric@example.com');
      await t.http.get(`/api/v1/users/${user.userId}`).set('authorization', bearer(token)).expect(200);

      const res = await t.http.get('/metrics').set('authorization', bearer(await t.token(['ops:read'])));
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toContain('# TYPE http_request_duration_seconds histogram');
      const lines = res.text
        .split('\n')
        .filter(
          (l) => l.startsWith('http_request_duration_seconds_count{') && l.includes('route="/api/v1/users/:userId"'),
        );
      expect(lines.some((l) => l.includes('method="GET"') && l.includes('status="200"'))).toBe(true);
      expect(res.text).not.toContain(`route="/api/v1/users/${user.userId}"`);
    });

    it('counts cache hits and misses (the profile cache)', async () => {
      const token = await t.token();
      const user = await createUser(t, token, 'CacheMetric', 'cache-metric@example.com');
      const scrape = async () =>
        (await t.http.get('/metrics').set('authorization', bearer(METRICS_TOKEN)).expect(200)).text;
      const count = (text: string, result: string) =>
        Number(
          new RegExp(`^cache_lookups_total\\{cache="user-profile",result="${result}"\\} (\\d+)`, 'm').exec(text)?.[1] ??
            0,
        );
      const before = await scrape();
      for (let i = 0; i < 3; i++)
        await t.http.get(`/api/v1/users/${user.userId}/profile`).set('authorization', bearer(token)).expect(200);
      const after = await scrape();
      expect(count(after, 'miss') - count(before, 'miss')).toBe(1);
      expect(count(after, 'hit') - count(before, 'hit')).toBe(2);
    });

    it('METRICS_TOKEN works as a bearer token on /metrics, and nowhere else', async () => {
      const res = await t.http.get('/metrics').set('authorization', bearer(METRICS_TOKEN));
      expect(res.status).toBe(200);
      expect(res.text).toContain('http_request_duration_seconds');
      expectProblem(await t.http.get('/api/v1/users').set('authorization', bearer(METRICS_TOKEN)), 401);
    });
  });

  it('GET /status: the SLA figures, each with its target, window and met', async () => {
    const res = await t.http.get('/status').expect(200);
    const body = res.body as StatusBody;
    for (const key of SLA_KEYS) {
      const figure = body.sla[key];
      expect(typeof figure.met).toBe('boolean');
      expect(typeof figure.target).toBe('string');
      expect(figure.window).toMatch(/^\d+s$/);
    }
    expect(body.sla.latencyP95Ms.target).toBe('< 200');
    expect(body.sla.availabilityPercent.target).toBe('>= 99.9');
    expect(body.sla.errorRatePercent.target).toBe('< 0.1');
    expect(body.sla.retrySuccessPercent.target).toBe('> 95');
    // Nothing failed with a 5xx in this app.
    expect(body.sla.errorRatePercent).toMatchObject({ value: 0, met: true });
    expect(body.sla.availabilityPercent).toMatchObject({ value: 100, met: true });
  });

  describe('GET /debug', () => {
    it('401 without a token, 403 without ops:admin', async () => {
      expectProblem(await t.http.get('/debug'), 401, 'unauthorized');
      expectProblem(
        await t.http.get('/debug').set('authorization', bearer(await t.token(['ops:read']))),
        403,
        'forbidden',
      );
    });

    it('with ops:admin: runtime figures and the effective config with secrets masked', async () => {
      const res = await t.http.get('/debug').set('authorization', bearer(await t.token(['ops:admin'])));
      expect(res.status).toBe(200);
      const body = JSON.parse(res.text) as DebugBody;
      expect(body.uptimeSeconds).toBeGreaterThan(0);
      expect(body.memory.rssBytes).toBeGreaterThan(0);
      expect(typeof body.eventLoopDelayMs.p99).toBe('number');
      expect(body.config.auth.jwtSecret).toBe('****');
      expect(body.config.auth.bootstrapClientSecret).toBe('****');
      expect(body.config.app.metricsToken).toBe('****');
      for (const secret of [JWT_SECRET, BOOTSTRAP.secret, METRICS_TOKEN]) expect(res.text).not.toContain(secret);
    });
  });
});
