import type { ServerResponse } from 'node:http';
import { IntegrationsRegistry } from '../../src/modules/integrations/index.js';
import { json, startUpstream, type FakeUpstream, type SeenRequest } from '../gateway/fake-upstream.js';
import { bearer, envelope, expectProblem } from '../helpers/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { waitFor } from '../support/wait.js';

interface IntegrationBody {
  name: string;
  state: string;
  circuit: { state: string; retryAfterMs: number };
  instances: Array<{ healthy: boolean; ejected: boolean; circuit: string }>;
}

const API = '/v1/geocode';
const TOKYO = { address: '東京都千代田区丸の内1丁目', lat: 35.681236, lng: 139.767125 };
/** Every connection, the health endpoint's included, is reset: nothing listens behind the port. */
const reset = (_req: SeenRequest, res: ServerResponse) => void res.socket?.destroy();
const healthy = (req: SeenRequest, res: ServerResponse) => json(res, 200, req.path === '/health' ? {} : TOKYO);

/**
 * The dead-upstream drill (issue 8): both maps instances reset every connection. Run as is on
 * SQLite and, under `npm run test:pg`, on PostgreSQL + Redis (Redis-backed cache and token store).
 */
describe('dead upstream through the REST API: breakers open, calls fail fast, health checks show recovery', () => {
  const upstreams: FakeUpstream[] = [];
  let t: TestApp | undefined;
  let token: string;

  beforeAll(async () => {
    upstreams.push(await startUpstream(reset), await startUpstream(reset));
    t = await startTestApp({
      MAPS_SERVICE_URLS: upstreams.map((u) => u.url).join(','),
      RETRY_BASE_DELAY_MS: '1',
      RETRY_MAX: '3',
      CIRCUIT_MIN_CALLS: '5',
      // Long enough for the fast-fail calls below to run inside the open window (checked, not assumed).
      CIRCUIT_HALF_OPEN_MS: '3000',
      // The test triggers the health checks itself, so the counts below are decided, not raced.
      HEALTH_CHECK_INTERVAL_MS: '600000',
    });
    token = await t.token(['integrations:read']);
  });
  afterAll(async () => {
    try {
      await t?.close();
    } finally {
      await Promise.all(upstreams.map((u) => u.close()));
    }
  });

  const app = () => t as TestApp;
  const geocode = (address: string) =>
    app().http.get('/api/v1/geocode').query({ address }).set('authorization', bearer(token));
  const maps = async () =>
    envelope<IntegrationBody>(
      await app().http.get('/api/v1/integrations/maps').set('authorization', bearer(token)).expect(200),
    ).data;
  const connections = () => upstreams.reduce((n, u) => n + u.connections, 0);
  const apiCalls = () => upstreams.reduce((n, u) => n + u.count(API), 0);

  it('502 after 4 attempts, then the 5th failed attempt opens the breaker: 503 + Retry-After, no connection opened', async () => {
    const first = expectProblem(await geocode('dead 1'), 502, 'upstream-error');
    expect(first).toMatchObject({ integration: 'maps' });
    expect(apiCalls()).toBe(4);

    // CIRCUIT_MIN_CALLS=5: the first attempt of the second call is the 5th failure in the window.
    const opened = await geocode('dead 2');
    expectProblem(opened, 503, 'circuit-open');
    expect(opened.headers['retry-after']).toBe('3');
    expect(apiCalls()).toBe(5);
    const sockets = connections();
    expect(sockets).toBe(5);

    for (let i = 0; i < 10; i++) {
      const res = await geocode(`dead ${i + 3}`);
      expectProblem(res, 503, 'circuit-open');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    const state = await maps();
    // Still open after the last call, so every call above met the open breaker (no half-open test call yet).
    expect(state.circuit).toMatchObject({ state: 'open', retryAfterMs: expect.any(Number) });
    expect(state.circuit.retryAfterMs).toBeGreaterThan(0);
    expect(connections()).toBe(sockets);
    expect(state.state).toBe('down');
  });

  it('once the upstream is back, a health check shows it up with closed breakers before any client call', async () => {
    const sent = apiCalls();
    for (const u of upstreams) u.handler = healthy;
    const registry = app().app.get(IntegrationsRegistry);
    let state = await maps();
    // Each round runs the health checks once; the breakers take their test call once due (3 s).
    await waitFor(
      async () => {
        await registry.checkHealth();
        state = await maps();
        return state.state === 'up' && state.circuit.state === 'closed';
      },
      { what: 'maps up with its breaker closed', timeoutMs: 20_000 },
    ).catch(() => undefined);
    expect(state).toMatchObject({ state: 'up', circuit: { state: 'closed' } });
    expect(state.instances.map((i) => [i.healthy, i.ejected, i.circuit])).toEqual([
      [true, false, 'closed'],
      [true, false, 'closed'],
    ]);
    expect(apiCalls()).toBe(sent);
    expect(upstreams.every((u) => u.count('/health') > 0)).toBe(true);

    await geocode('recovered').expect(200);
    expect(apiCalls()).toBe(sent + 1);
  });
});
