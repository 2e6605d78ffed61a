import { readFileSync } from 'node:fs';
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Lifecycle } from '../src/common/observability/lifecycle.js';
import { UsersService } from '../src/modules/users/users.service.js';
import { bearer, createUser, expectProblem, ISO_UTC } from './helpers/http.js';
import { BOOTSTRAP, startTestApp, type TestApp } from './helpers/test-app.js';

interface HealthBody {
  status: string;
  info?: Record<string, { status: string }>;
  error?: Record<string, { status: string }>;
}

interface SlaFigure {
  value: number | null;
  target: string;
  met: boolean;
  window: string;
}

interface StatusBody {
  status: string;
  dependencies: Record<string, string>;
  sla: {
    latencyP95Ms: SlaFigure;
    availabilityPercent: SlaFigure;
    errorRatePercent: SlaFigure;
    retrySuccessPercent: SlaFigure;
  };
}

interface VersionBody {
  version: string;
  commit: string;
  buildTime: string;
  node: string;
}

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

interface OpenApiBody {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
}

describe('operations: /docs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('GET /docs is the Swagger UI and /docs/openapi.json the OpenAPI 3 document of the routes', async () => {
    const ui = await t.http.get('/docs').expect(200);
    expect(ui.headers['content-type']).toMatch(/^text\/html/);
    const doc = (await t.http.get('/docs/openapi.json').expect(200)).body as OpenApiBody;
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths['/api/v1/users']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/users/{userId}']).sort()).toEqual(['delete', 'get', 'patch', 'put']);
    expect(doc.paths['/oauth/token']).toHaveProperty('post');
  });
});

describe('operations: DOCS_ENABLED=false', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ DOCS_ENABLED: 'false' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('/docs and /docs/openapi.json are 404', async () => {
    expectProblem(await t.http.get('/docs'), 404, 'not-found');
    expectProblem(await t.http.get('/docs/openapi.json'), 404, 'not-found');
  });
});

describe('operations: /debug when DEBUG_ENABLED=false', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ DEBUG_ENABLED: 'false' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('404 even with ops:admin', async () => {
    expectProblem(
      await t.http.get('/debug').set('authorization', bearer(await t.token(['ops:admin']))),
      404,
      'not-found',
    );
  });

  it('/version without APP_BUILD_TIME reports an ISO build time', async () => {
    expect(((await t.http.get('/version').expect(200)).body as VersionBody).buildTime).toMatch(ISO_UTC);
  });
});

describe('operations: draining', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('/health/ready is 503 once draining; /health/live stays 200', async () => {
    await t.http.get('/health/ready').expect(200);
    t.app.get(Lifecycle).markDraining();
    const res = await t.http.get('/health/ready');
    expect(res.status).toBe(503);
    expect((res.body as HealthBody).status).toBe('error');
    await t.http.get('/health/live').expect(200);
  });
});

describe('operations: an unexpected error', () => {
  let t: TestApp;
  let auth: string;
  beforeAll(async () => {
    t = await startTestApp();
    auth = bearer(await t.token());
  });
  afterAll(async () => {
    await t.close();
  });

  it('is a 500 problem with the request id and no internals, logged with the id', async () => {
    const failing = jest.spyOn(t.app.get(UsersService), 'list').mockRejectedValue(new TypeError('x is undefined'));
    const logged = jest.spyOn(Logger.prototype, 'error');
    try {
      const res = await t.http.get('/api/v1/users').set('authorization', auth).set('x-request-id', 'trace-500');
      const problem = expectProblem(res, 500, 'internal-error', '/api/v1/users');
      expect(problem.requestId).toBe('trace-500');
      expect(res.text).not.toMatch(/TypeError|undefined|node_modules/i);
      const lines = logged.mock.calls.map((args) => JSON.stringify(args));
      expect(lines.some((line) => line.includes('"requestId":"trace-500"'))).toBe(true);
    } finally {
      logged.mockRestore();
      failing.mockRestore();
    }
  });
});

describe('operations: the database is gone', () => {
  let t: TestApp;
  let auth: string;
  beforeAll(async () => {
    t = await startTestApp();
    auth = bearer(await t.token());
    await t.app.get(DataSource).destroy();
  });
  afterAll(async () => {
    await t.close();
  });

  it('reads and writes answer a 503 problem with Retry-After and no internals, logged with the id', async () => {
    const logged = jest.spyOn(Logger.prototype, 'warn');
    try {
      const res = await t.http.get('/api/v1/users').set('authorization', auth).set('x-request-id', 'trace-503');
      const problem = expectProblem(res, 503, 'service-unavailable', '/api/v1/users');
      expect(problem.requestId).toBe('trace-503');
      expect(res.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
      expect(res.text).not.toMatch(/TypeError|sqlite|postgres|QueryFailed|node_modules/i);
      const lines = logged.mock.calls.map((args) => JSON.stringify(args));
      expect(lines.some((line) => line.includes('"requestId":"trace-503"'))).toBe(true);
      const write = await t.http
        .post('/api/v1/users')
        .set('authorization', auth)
        .send({ name: 'Ada', email: 'ada-503@example.com' });
      expectProblem(write, 503, 'service-unavailable');
      expect(write.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
    } finally {
      logged.mockRestore();
    }
  });

  it('/health and /health/ready: 503 naming the database; /health/live: 200', async () => {
    for (const path of ['/health', '/health/ready']) {
      const res = await t.http.get(path);
      expect(res.status).toBe(503);
      const body = res.body as HealthBody;
      expect(body.status).toBe('error');
      expect(body.error?.database.status).toBe('down');
    }
    await t.http.get('/health/live').expect(200);
  });

  it('/status reports the 5xx against the SLA and the database down', async () => {
    await t.http.get('/api/v1/users').set('authorization', auth).expect(503);
    const body = (await t.http.get('/status').expect(200)).body as StatusBody;
    expect(body.status).toBe('degraded');
    expect(body.dependencies.database).toBe('down');
    expect(body.sla.errorRatePercent.met).toBe(false);
    expect(body.sla.errorRatePercent.value).toBeGreaterThan(0);
    expect(body.sla.availabilityPercent.met).toBe(false);
  });
});
