import type { ServerResponse } from 'node:http';
import { DEFAULT_INSTANCE_BREAKER, DEFAULT_SERVICE_BREAKER } from '../../src/gateway/index.js';
import { UpstreamException } from '../../src/gateway/upstream-errors.js';
import { json, startUpstream, type FakeUpstream, type SeenRequest } from './fake-upstream.js';
import { waitFor } from '../support/wait.js';
import { LENIENT_BREAKERS, TOKYO, closeGateways, failure, makeGateway } from './fixtures.js';

const API = '/v1/geocode';
const get = { method: 'GET', path: API } as const;

const reset = (_req: SeenRequest, res: ServerResponse) => void res.socket?.destroy();
const hang = () => undefined;
const healthy = (_req: SeenRequest, res: ServerResponse) => json(res, 200, TOKYO);

/** What one call ended with: 'ok', or the problem's status and type. */
async function outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'ok';
  } catch (e) {
    if (!(e instanceof UpstreamException)) throw e;
    return `${e.getStatus()} ${e.problem.type}`;
  }
}

describe('a dead upstream opens the breakers and then fails fast (issue 8 item 2)', () => {
  const upstreams: FakeUpstream[] = [];
  const start = async (handler = healthy) => {
    const u = await startUpstream(handler);
    upstreams.push(u);
    return u;
  };
  const connections = () => upstreams.reduce((n, u) => n + u.connections, 0);
  const apiCalls = () => upstreams.reduce((n, u) => n + u.count(API), 0);
  afterEach(async () => {
    closeGateways();
    await Promise.all(upstreams.splice(0).map((u) => u.close()));
  });

  // With the default breakers (5 per instance, 10 per service) and 3 retries over 2 instances:
  // calls 1 and 2 make 4 attempts each (2 per instance), call 3 makes the 5th attempt on each
  // instance, which opens both instance breakers and (10 failures) the service breaker.
  const DEFAULT_BREAKERS = { instance: DEFAULT_INSTANCE_BREAKER, service: DEFAULT_SERVICE_BREAKER };

  it.each([
    ['connection resets', reset, {}],
    ['read timeouts', hang, { readTimeoutMs: 50 }],
  ])(
    '%s open the breakers after 10 attempts; later calls are 503 + Retry-After and open no connection',
    async (_what, handler, policy) => {
      await start(handler);
      await start(handler);
      const gw = makeGateway(
        upstreams.map((u) => u.url),
        { breakers: DEFAULT_BREAKERS, policy: { retryBaseDelayMs: 1, ...policy } },
      );
      const seen: string[] = [];
      for (let i = 0; i < 3; i++) seen.push(await outcome(() => gw.request(get)));
      expect(seen).toEqual(['502 upstream-error', '502 upstream-error', '503 circuit-open']);
      expect(apiCalls()).toBe(10);
      const opened = connections();
      expect(opened).toBe(10);
      expect(gw.snapshot().circuit.state).toBe('open');
      expect(gw.snapshot().instances.map((i) => i.circuit)).toEqual(['open', 'open']);

      for (let i = 0; i < 20; i++) {
        const error = (await failure(() => gw.request(get))) as UpstreamException;
        expect(error.problem).toMatchObject({
          status: 503,
          type: 'circuit-open',
          headers: { 'Retry-After': String(DEFAULT_SERVICE_BREAKER.halfOpenAfterMs / 1000) },
          extensions: { integration: 'maps' },
        });
        expect(error.attempts).toBe(0);
      }
      expect(connections()).toBe(opened);
    },
  );

  it('a spent retry budget answers 503 + Retry-After (when the budget frees a retry), not 502', async () => {
    const upstream = await start((_req, res) => json(res, 500, {}));
    // No share of calls, a floor of one retry per 10 s window.
    const gw = makeGateway([upstream.url], {
      retryBudget: { ratio: 0, minPerSecond: 0.1, windowMs: 10_000 },
      policy: { retryBaseDelayMs: 1 },
    });
    const error = (await failure(() => gw.request(get))) as UpstreamException;
    expect(upstream.count(API)).toBe(2);
    expect(error.reason).toBe('retry-budget');
    // The one retry stays in the 10 s window until the window has slid past it: 9-10 s from now.
    expect(error.problem).toMatchObject({
      status: 503,
      type: 'upstream-error',
      headers: { 'Retry-After': '10' },
      params: { reason: 'retry budget exhausted (last: HTTP 500 after 2 attempts)' },
    });
    expect(gw.snapshot().retryBudget.denied).toBe(1);
  });

  it('with every instance ejected by its health check, calls are 503 + Retry-After and nothing is sent, until a check passes', async () => {
    const down = (req: SeenRequest, res: ServerResponse) =>
      req.path === '/health' ? json(res, 503, {}) : json(res, 200, TOKYO);
    const a = await start(down);
    const b = await start(down);
    const gw = makeGateway([a.url, b.url], {
      breakers: { ...LENIENT_BREAKERS, instance: { consecutiveFailures: 1000, halfOpenAfterMs: 60_000 } },
    });
    await gw.checkHealth();
    expect(gw.snapshot().instances.map((i) => [i.healthy, i.ejected])).toEqual([
      [false, true],
      [false, true],
    ]);
    for (let i = 0; i < 5; i++) {
      const error = (await failure(() => gw.request(get))) as UpstreamException;
      expect(error.problem).toMatchObject({ status: 503, type: 'circuit-open', headers: { 'Retry-After': '60' } });
      expect(error.attempts).toBe(0);
    }
    expect(apiCalls()).toBe(0);

    b.handler = healthy;
    await gw.checkHealth();
    expect((await gw.request(get)).instance).toBe(b.url);
    expect(apiCalls()).toBe(1);
  });

  it('an ejected instance takes one trial call once the half-open delay has passed; a success readmits it', async () => {
    const upstream = await start((req, res) => (req.path === '/health' ? json(res, 503, {}) : json(res, 200, TOKYO)));
    const gw = makeGateway([upstream.url], {
      breakers: { ...LENIENT_BREAKERS, instance: { consecutiveFailures: 1000, halfOpenAfterMs: 200 } },
    });
    await gw.checkHealth();
    const outcomes: string[] = [];
    // Every call before the trial is refused without a request; the first one after it goes out.
    await waitFor(
      async () => {
        outcomes.push(await outcome(() => gw.request(get)));
        return outcomes.at(-1) === 'ok';
      },
      { what: 'a call let through after the half-open time' },
    );
    expect(outcomes.length).toBeGreaterThan(1);
    expect(new Set(outcomes.slice(0, -1))).toEqual(new Set(['503 circuit-open']));
    expect(upstream.count(API)).toBe(1);
    expect(gw.snapshot().instances[0]).toMatchObject({ healthy: true, ejected: false });
  });

  it('after the upstream recovers the health checks close the open breakers with no client traffic', async () => {
    const a = await start(reset);
    const b = await start(reset);
    const gw = makeGateway([a.url, b.url], {
      breakers: {
        instance: { consecutiveFailures: 2, halfOpenAfterMs: 100 },
        service: { consecutiveFailures: 4, halfOpenAfterMs: 100 },
      },
      policy: { retryBaseDelayMs: 1 },
    });
    expect(await outcome(() => gw.request(get))).toBe('502 upstream-error');
    expect(await outcome(() => gw.request(get))).toBe('503 circuit-open');
    expect(gw.snapshot().circuit.state).toBe('open');
    const sent = apiCalls();

    a.handler = healthy;
    b.handler = healthy;
    const snap = () => gw.snapshot();
    await waitFor(
      async () => {
        await gw.checkHealth();
        return snap().circuit.state === 'closed' && snap().instances.every((i) => i.circuit === 'closed' && i.healthy);
      },
      { what: 'the health checks to close every breaker' },
    );
    expect(apiCalls()).toBe(sent);
    expect(await outcome(() => gw.request(get))).toBe('ok');
  });
});
