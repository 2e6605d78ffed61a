import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearer, createUser, envelope, expectProblem, list } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { CREDENTIALS } from '../support/sandbox-http.js';
import { waitFor } from '../support/wait.js';
import { startWithSandbox, type SandboxedApp } from '../support/integrations.js';

interface TokenBody {
  hasToken: boolean;
  expiresAt: string | null;
  fetchCount: number;
  lastError: string | null;
}

interface IntegrationBody {
  name: string;
  configured: boolean;
  state: string;
  auth: string;
  circuit: { state: string; retryAfterMs: number } | null;
  healthyInstances: number;
  instances: {
    url: string;
    healthy: boolean;
    circuit: string;
    requests: number;
    errors: number;
    latency: { ewmaMs: number | null; p50Ms: number | null; p95Ms: number | null; samples: number };
  }[];
  token: TokenBody | null;
}

interface StatusBody {
  sla: { retrySuccessPercent: { value: number | null; met: boolean; calls: number; target: string } };
  integrations: Record<
    string,
    { state: string; circuit: string | null; instances: { total: number; healthy: number }; token?: TokenBody }
  >;
}

const SECRETS = [
  CREDENTIALS.payment.clientSecret,
  CREDENTIALS.emailApiKey,
  CREDENTIALS.sms.password,
  CREDENTIALS.mapsApiKey,
  Buffer.from(`${CREDENTIALS.sms.username}:${CREDENTIALS.sms.password}`).toString('base64'),
];

describe('integrations in operations (§4 /api/v1/integrations, /status, /metrics, /debug, /health/ready)', () => {
  let s: SandboxedApp;
  let token: string;

  beforeAll(async () => {
    s = await startWithSandbox();
    token = await s.t.token();
    const user = await createUser(s.t, token, 'Ops', 'ops@example.com');
    // One of each, and an email that needs retries before it goes through (a and b fail once each).
    await s.t.http
      .post('/api/v1/payments')
      .set('authorization', bearer(token))
      .send({ userId: user.userId, amount: 1200, currency: 'JPY' })
      .expect(201);
    await s.fault('email/a', { status: 503, count: 1 });
    await s.fault('email/b', { status: 503, count: 1 });
    await s.t.http
      .post('/api/v1/email-messages')
      .set('authorization', bearer(token))
      .send({ to: 'ops@example.com', subject: 'Retried', text: 'Twice refused, then sent.' })
      .expect(201);
    await s.t.http.get('/api/v1/geocode?address=Tokyo%20Tower').set('authorization', bearer(token)).expect(200);
    await s.t.http.get('/api/v1/geocode?address=tokyo%20tower').set('authorization', bearer(token)).expect(200);
  });
  afterAll(async () => {
    await s.close();
  });

  describe('GET /api/v1/integrations', () => {
    it('each service with its instances, breaker, auth kind, token state, latency and errors; no secret anywhere', async () => {
      const res = await s.t.http
        .get('/api/v1/integrations')
        .set('authorization', bearer(await s.t.token(['integrations:read'])))
        .expect(200);
      const page = list<IntegrationBody>(res);
      expect(page.total).toBe(4);
      const byName = Object.fromEntries(page.data.map((i) => [i.name, i]));
      expect(Object.keys(byName).sort()).toEqual(['email', 'maps', 'payment', 'sms']);
      expect(byName.payment).toMatchObject({
        configured: true,
        state: 'up',
        auth: 'oauth2',
        circuit: { state: 'closed', retryAfterMs: 0 },
        healthyInstances: 2,
        token: { hasToken: true, fetchCount: 1, lastError: null },
      });
      expect(byName.payment.token?.expiresAt).not.toBeNull();
      expect(byName.payment.instances.map((i) => i.url)).toEqual([`${s.url}/payment/a`, `${s.url}/payment/b`]);
      expect(byName.email).toMatchObject({ auth: 'api-key', token: null });
      expect(byName.sms).toMatchObject({ auth: 'basic', token: null });
      expect(byName.maps).toMatchObject({ auth: 'api-key', token: null });
      // The email needed 3 attempts: 2 refused, 1 accepted.
      const email = byName.email.instances;
      expect(email.reduce((n, i) => n + i.requests, 0)).toBe(3);
      expect(email.reduce((n, i) => n + i.errors, 0)).toBe(2);
      const answered = byName.payment.instances.find((i) => i.requests > 0);
      expect(answered?.latency.samples).toBe(1);
      expect(answered?.latency.p50Ms).toBeGreaterThan(0);

      for (const secret of SECRETS) expect(res.text).not.toContain(secret);
      expect(res.text).not.toMatch(/sbx_[A-Za-z0-9_-]{10,}/);
      expect(res.text).not.toMatch(/access_?token/i);
    });

    it('GET /api/v1/integrations/{name}; fields and sort as on every collection; 404 for an unknown name', async () => {
      const one = await s.t.http.get('/api/v1/integrations/sms').set('authorization', bearer(token)).expect(200);
      expect(envelope<IntegrationBody>(one).data.name).toBe('sms');
      const projected = await s.t.http
        .get('/api/v1/integrations?fields=name,state&sort=-name&limit=2')
        .set('authorization', bearer(token))
        .expect(200);
      expect(list(projected).data).toEqual([
        { name: 'sms', state: 'up' },
        { name: 'payment', state: 'up' },
      ]);
      expect(list(projected).total).toBe(4);
      expectProblem(
        await s.t.http.get('/api/v1/integrations/fax').set('authorization', bearer(token)),
        404,
        'resource-not-found',
      );
    });

    it('403 without integrations:read', async () => {
      expectProblem(
        await s.t.http.get('/api/v1/integrations').set('authorization', bearer(await s.t.token(['users:read']))),
        403,
      );
    });
  });

  it('/status: the retry success rate over the outbound calls that retried, and each integration (no URLs)', async () => {
    const res = await s.t.http.get('/status').expect(200);
    const body = res.body as StatusBody;
    expect(body.sla.retrySuccessPercent).toMatchObject({ value: 100, met: true, calls: 1, target: '> 95' });
    expect(body.integrations.payment).toMatchObject({
      state: 'up',
      circuit: 'closed',
      instances: { total: 2, healthy: 2 },
      token: { hasToken: true },
    });
    for (const name of ['email', 'sms', 'maps']) {
      expect(body.integrations[name]).toMatchObject({ circuit: 'closed', instances: { total: 2 } });
    }
    expect(res.text).not.toContain(s.url);
    for (const secret of SECRETS) expect(res.text).not.toContain(secret);
  });

  it('/metrics: outbound calls, attempts, retries, breaker states, token fetches and cache hits', async () => {
    const res = await s.t.http
      .get('/metrics')
      .set('authorization', bearer(await s.t.token(['ops:read'])))
      .expect(200);
    expect(res.text).toContain('integration_calls_total{service="payment",outcome="success"} 1');
    expect(res.text).toContain('integration_retries_total{service="email",reason="server-error"} 2');
    expect(res.text).toMatch(
      /integration_attempts_total\{service="email",instance="[^"]+\/email\/[ab]",outcome="server-error"\} 1/,
    );
    expect(res.text).toContain('integration_circuit_state{service="payment",instance="service"} 0');
    expect(res.text).toContain('integration_token_fetches_total{service="payment",outcome="success"} 1');
    expect(res.text).toContain('integration_cache_hits_total{service="maps"} 1');
    expect(res.text).toContain('integration_cache_misses_total{service="maps"} 1');
    expect(res.text).toMatch(/integration_attempt_duration_seconds_bucket\{[^}]*service="payment"/);
  });

  it('/debug (ops:admin): every integration in detail, secrets never', async () => {
    const res = await s.t.http
      .get('/debug')
      .set('authorization', bearer(await s.t.token(['ops:admin'])))
      .expect(200);
    const integrations = (res.body as { integrations: Record<string, IntegrationBody> }).integrations;
    expect(integrations.payment.instances).toHaveLength(2);
    expect(integrations.payment.token?.hasToken).toBe(true);
    for (const secret of SECRETS) expect(res.text).not.toContain(secret);
  });
});

describe('every external service down', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    // A port that was just free: connections to it are refused.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const dead = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    t = await startTestApp({
      PAYMENT_SERVICE_URLS: `${dead}/payment`,
      PAYMENT_SERVICE_TOKEN_URL: `${dead}/oauth/token`,
      EMAIL_SERVICE_URLS: `${dead}/email`,
      SMS_SERVICE_URLS: `${dead}/sms`,
      MAPS_SERVICE_URLS: `${dead}/maps`,
      RETRY_BASE_DELAY_MS: '1',
      HEALTH_CHECK_INTERVAL_MS: '100',
    });
    token = await t.token();
  });
  afterAll(async () => {
    await t.close();
  });

  it('once the health checks eject every instance, calls answer 503 + Retry-After naming the integration, while /health/ready and /health stay 200', async () => {
    // Let the active health checks run and mark every instance down.
    let states: string[] = [];
    await waitFor(
      async () => {
        const res = await t.http.get('/api/v1/integrations').set('authorization', bearer(token)).expect(200);
        states = list<IntegrationBody>(res).data.map((i) => i.state);
        return states.every((st) => st === 'down');
      },
      { what: 'every integration down', timeoutMs: 5000 },
    ).catch(() => undefined);
    expect(states).toEqual(['down', 'down', 'down', 'down']);

    // Every instance ejected: fail fast, nothing is sent (connections would be refused anyway).
    const geocode = await t.http.get('/api/v1/geocode?address=x').set('authorization', bearer(token));
    const problem = expectProblem(geocode, 503, 'circuit-open') as unknown as { integration: string };
    expect(problem.integration).toBe('maps');
    expect(Number(geocode.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const user = await createUser(t, token, 'Down', 'down@example.com');
    const payment = await t.http
      .post('/api/v1/payments')
      .set('authorization', bearer(token))
      .send({ userId: user.userId, amount: 100, currency: 'JPY' });
    expect((expectProblem(payment, 503) as unknown as { integration: string }).integration).toBe('payment');
    expect(Number(payment.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    const ready = await t.http.get('/health/ready').expect(200);
    expect((ready.body as { status: string }).status).toBe('ok');
    expect(ready.text).not.toMatch(/payment|email|maps|integration/);
    await t.http.get('/health').expect(200);
  });
});

describe('services not configured', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('503 integration-not-configured naming the service; listed as not-configured', async () => {
    const token = await t.token();
    const res = await t.http
      .post('/api/v1/sms-messages')
      .set('authorization', bearer(token))
      .send({ to: '+819012345678', body: 'hello' });
    expect(
      (expectProblem(res, 503, 'integration-not-configured') as unknown as { integration: string }).integration,
    ).toBe('sms');
    const all = list<IntegrationBody>(
      await t.http.get('/api/v1/integrations').set('authorization', bearer(token)).expect(200),
    );
    expect(all.data.map((i) => [i.name, i.configured, i.state])).toEqual([
      ['email', false, 'not-configured'],
      ['maps', false, 'not-configured'],
      ['payment', false, 'not-configured'],
      ['sms', false, 'not-configured'],
    ]);
  });
});
