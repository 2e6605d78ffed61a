import { bearer, createUser, envelope, expectProblem } from '../helpers/http.js';
import { requestsTo, startWithSandbox, type SandboxedApp } from '../support/integrations.js';
import { testClock, type TestClock } from '../support/clock.js';
import { waitFor } from '../support/wait.js';

interface InstanceBody {
  url: string;
  healthy: boolean;
  circuit: string;
  lastHealthCheckAt: string | null;
}

interface IntegrationBody {
  name: string;
  state: string;
  circuit: { state: string; retryAfterMs: number };
  instances: InstanceBody[];
}

type UpstreamProblem = { integration: string; detail: string };

const SERVICES = ['payment', 'email', 'sms', 'maps'] as const;
/** What each sandbox service answers a successful call with. */
const SUCCESS = { payment: '201', email: '202', sms: '202', maps: '200' } as const;

describe('resilience through the REST API (§5: failover, retries, breakers, health checks)', () => {
  describe('instance a of every service down', () => {
    let s: SandboxedApp;
    let token: string;

    beforeAll(async () => {
      s = await startWithSandbox({ HEALTH_CHECK_INTERVAL_MS: '100' });
      token = await s.t.token();
    });
    afterAll(async () => {
      await s.close();
    });

    const integration = async (name: string) =>
      envelope<IntegrationBody>(
        await s.t.http.get(`/api/v1/integrations/${name}`).set('authorization', bearer(token)).expect(200),
      ).data;

    it('a payment, an email, an SMS and a geocode all succeed on instance b', async () => {
      for (const service of SERVICES) await s.fault(`${service}/a`, { down: true });
      const user = await createUser(s.t, token, 'Failover', 'failover@example.com');
      const auth = bearer(token);
      for (let i = 0; i < 3; i++) {
        await s.t.http
          .post('/api/v1/payments')
          .set('authorization', auth)
          .send({ userId: user.userId, amount: 100 + i, currency: 'JPY' })
          .expect(201);
        await s.t.http
          .post('/api/v1/email-messages')
          .set('authorization', auth)
          .send({ to: 'a@example.com', subject: 'Failover', text: `email ${i}` })
          .expect(201);
        await s.t.http
          .post('/api/v1/sms-messages')
          .set('authorization', auth)
          .send({ to: '+819012345678', body: `sms ${i}` })
          .expect(201);
        await s.t.http
          .get('/api/v1/geocode')
          .query({ address: ['東京駅', '大阪駅', '札幌駅'][i] })
          .set('authorization', auth)
          .expect(200);
      }
      const stats = s.stats();
      for (const service of SERVICES) {
        const ok = SUCCESS[service];
        expect([service, stats.services[service].b.byStatus[ok]]).toEqual([service, 3]);
        expect([service, stats.services[service].a.byStatus[ok]]).toEqual([service, undefined]);
      }
      expect(stats.payments.created).toBe(3);
    });

    it('the active health checks take a out of rotation, and bring it back once it is up', async () => {
      const payment = await waitFor(
        async () => {
          const p = await integration('payment');
          return p.instances[0].lastHealthCheckAt !== null && !p.instances[0].healthy && p;
        },
        { what: 'a health check to mark instance a down', timeoutMs: 5000 },
      );
      expect(payment.instances.map((i) => [i.url, i.healthy])).toEqual([
        [`${s.url}/payment/a`, false],
        [`${s.url}/payment/b`, true],
      ]);
      expect(payment.state).toBe('degraded');

      await s.clearFaults();
      await waitFor(async () => (await integration('payment')).instances[0].healthy, {
        what: 'instance a back in rotation',
        timeoutMs: 5000,
      });
      expect((await integration('payment')).state).toBe('up');
      expect(s.stats().services.payment.a.healthChecks).toBeGreaterThan(0);
    });
  });

  describe('an upstream answering 503 to everything', () => {
    let s: SandboxedApp;
    let token: string;

    beforeAll(async () => {
      // No periodic health check: here the breakers' test calls are client calls (the sandbox's
      // /health stays up, so a check would close the breakers on its own once due).
      s = await startWithSandbox({
        CIRCUIT_HALF_OPEN_MS: '400',
        CIRCUIT_MIN_CALLS: '5',
        RETRY_MAX: '3',
        HEALTH_CHECK_INTERVAL_MS: '600000',
      });
      token = await s.t.token(['messages:write', 'integrations:read']);
    });
    let clock: TestClock | undefined;
    afterEach(() => {
      clock?.restore();
      clock = undefined;
    });
    afterAll(async () => {
      await s.close();
    });

    const send = () =>
      s.t.http
        .post('/api/v1/email-messages')
        .set('authorization', bearer(token))
        .send({ to: 'a@example.com', subject: 'Down', text: 'Body' });

    it('502 upstream-error naming the integration after the retries (4 attempts), then 503 circuit-open with Retry-After; it recovers', async () => {
      // The breakers read Date.now(): on a test clock they stay open until the test moves time past the
      // half-open delay, however long the calls below take on a busy machine.
      clock = testClock();
      await s.fault('email/a', { status: 503 });
      await s.fault('email/b', { status: 503 });

      const failed = await send();
      const problem = expectProblem(
        failed,
        502,
        'upstream-error',
        '/api/v1/email-messages',
      ) as unknown as UpstreamProblem;
      expect(problem.integration).toBe('email');
      expect(problem.detail).toMatch(/email/);
      expect(problem.detail).toMatch(/4 attempts/);
      expect(requestsTo(s.stats(), 'email')).toBe(4);

      // 4 failures of 4 calls; the fifth failure reaches the breakers' minimum and opens them.
      const open = await send();
      const openProblem = expectProblem(
        open,
        503,
        'circuit-open',
        '/api/v1/email-messages',
      ) as unknown as UpstreamProblem;
      expect(openProblem.integration).toBe('email');
      expect(Number(open.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const attempted = requestsTo(s.stats(), 'email');
      expect(attempted).toBe(5);

      // While open, calls fail fast: nothing reaches the service.
      expectProblem(await send(), 503, 'circuit-open');
      expect(requestsTo(s.stats(), 'email')).toBe(attempted);
      const state = envelope<IntegrationBody>(
        await s.t.http.get('/api/v1/integrations/email').set('authorization', bearer(token)).expect(200),
      ).data;
      expect(state.circuit.state).toBe('open');
      expect(state.state).toBe('down');

      // After the half-open delay one test call goes through; it succeeds and closes the breaker.
      await s.clearFaults();
      const emailCircuit = async () =>
        envelope<IntegrationBody>(
          await s.t.http.get('/api/v1/integrations/email').set('authorization', bearer(token)).expect(200),
        ).data.circuit;
      clock.advance(399);
      expect((await emailCircuit()).retryAfterMs).toBe(1);
      expectProblem(await send(), 503, 'circuit-open');
      expect(requestsTo(s.stats(), 'email')).toBe(attempted);
      clock.advance(1);
      expect((await emailCircuit()).retryAfterMs).toBe(0);
      expect((await send()).status).toBe(201);
      expect((await send()).status).toBe(201);
    });
  });
});
