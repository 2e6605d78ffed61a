import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Lifecycle } from '../src/common/observability/lifecycle.js';
import { UsersService } from '../src/modules/users/users.service.js';
import { bearer, expectProblem, ISO_UTC } from './helpers/http.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import type { HealthBody, StatusBody, VersionBody } from './support/operations-bodies.js';

// Each suite starts an app of its own, configured (or broken) its own way.
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
