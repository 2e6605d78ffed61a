// Outage drills (issue 8, "In CI"): the app against a PostgreSQL and a Redis of its own, each stopped and
// restarted under a bounded load. Run by `npm run test:pg` only: a laptop may have neither binary.
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { jest } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.setup.js';
import { loadConfig } from '../../src/config/app.config.js';
import { STANDARD_SECRET, standardDelivery } from '../support/webhook-deliveries.js';
import { BOOTSTRAP } from '../helpers/test-app.js';
import { waitFor } from '../support/wait.js';
import { PostgresInstance, RedisInstance } from './instances.js';

/** Every request is answered within this (statement 2 s + acquire 1 s + a loaded machine's slack). */
const BUDGET_MS = 8000;

interface Answer {
  phase: string;
  kind: string;
  status: number;
  ms: number;
  contentType: string;
  retryAfter: string | null;
  body: unknown;
}

describe('outage drills: PostgreSQL and Redis stopped and restarted under load', () => {
  let postgres: PostgresInstance | undefined;
  let redis: RedisInstance | undefined;
  let app: NestFastifyApplication | undefined;
  let base = '';
  let auth = '';
  let knownUser = '';
  let counter = 0;
  const answers: Answer[] = [];
  const ackedUsers: string[] = [];
  const ackedEvents: string[] = [];
  const stderr: string[] = [];

  beforeAll(async () => {
    postgres = await PostgresInstance.create();
    redis = await RedisInstance.create();
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      SANDBOX_ENABLED: 'false',
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'drill:',
      AUTH_BOOTSTRAP_CLIENT_ID: BOOTSTRAP.id,
      AUTH_BOOTSTRAP_CLIENT_SECRET: BOOTSTRAP.secret,
      RATE_LIMIT_PER_MINUTE: '100000',
      DATABASE_STATEMENT_TIMEOUT_MS: '2000',
      DATABASE_ACQUIRE_TIMEOUT_MS: '1000',
      WEBHOOK_ACME_SCHEME: 'standard',
      WEBHOOK_ACME_SECRETS: STANDARD_SECRET,
      WEBHOOK_ACME_ALLOWED_IPS: '127.0.0.1/32,::1/128',
      WEBHOOK_SWEEP_INTERVAL_MS: '200',
    });
    app = await createApp(config);
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const token = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${BOOTSTRAP.id}&client_secret=${BOOTSTRAP.secret}`,
    });
    auth = `Bearer ${((await token.json()) as { access_token: string }).access_token}`;
    // ioredis writes "[ioredis] Unhandled error event" with console.error when a client has no listener.
    jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void stderr.push(args.join(' ')));
  }, 120_000);

  afterAll(async () => {
    jest.restoreAllMocks();
    // Bounded: a close that hangs on a dead dependency must not keep the servers running.
    await Promise.race([app?.close(), new Promise((resolve) => setTimeout(resolve, 15_000).unref())]).catch(
      () => undefined,
    );
    await redis?.stop();
    await postgres?.destroy();
  }, 60_000);

  async function call(phase: string, kind: string, path: string, init: RequestInit = {}): Promise<Answer> {
    const started = performance.now();
    let answer: Answer;
    try {
      const res = await fetch(`${base}${path}`, {
        ...init,
        headers: { authorization: auth, ...(init.headers as Record<string, string>) },
        signal: AbortSignal.timeout(BUDGET_MS),
      });
      const text = await res.text();
      const contentType = res.headers.get('content-type') ?? '';
      answer = {
        phase,
        kind,
        status: res.status,
        ms: performance.now() - started,
        contentType,
        retryAfter: res.headers.get('retry-after'),
        body: contentType.includes('json') && text ? (JSON.parse(text) as unknown) : text,
      };
    } catch (error) {
      // Over budget (aborted) or no answer at all: status 0 fails the budget assertion below.
      answer = {
        phase,
        kind,
        status: 0,
        ms: performance.now() - started,
        contentType: '',
        retryAfter: null,
        body: String(error),
      };
    }
    answers.push(answer);
    return answer;
  }

  /** One round: a write, a cached read, a read by key, a webhook and a list, in parallel. */
  async function round(phase: string): Promise<void> {
    const n = ++counter;
    const email = `drill-${n}@example.com`;
    const delivery = standardDelivery({ type: 'order.created', data: { n } });
    await Promise.all([
      call(phase, 'createUser', '/api/v1/users', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `Drill ${n}`, email }),
      }).then((a) => a.status === 201 && ackedUsers.push(email)),
      call(phase, 'profile', `/api/v1/users/${knownUser}/profile`),
      // By primary key: on PostgreSQL straight from the pool (primary-key-reader.ts), not TypeORM's runner.
      call(phase, 'userById', `/api/v1/users/${knownUser}`),
      call(phase, 'webhook', '/api/v1/webhooks/acme', {
        method: 'POST',
        headers: delivery.headers,
        body: delivery.body,
      }).then((a) => a.status === 200 && ackedEvents.push(delivery.id)),
      call(phase, 'listUsers', '/api/v1/users?limit=5'),
    ]);
  }

  async function rounds(phase: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) await round(phase);
  }

  /** Load while `action` runs, at most `max` rounds (bounded in count; in time by each request's budget). */
  async function under(phase: string, action: () => Promise<void>, max = 40): Promise<void> {
    let done = false;
    const load = (async () => {
      for (let i = 0; i < max && !done; i++) await round(phase);
    })();
    try {
      await action();
    } finally {
      done = true;
      await load;
    }
  }

  const health = async (path: string) => {
    const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(BUDGET_MS) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const of = (phase: string) => answers.filter((a) => a.phase === phase);
  const statuses = (list: Answer[]) => [...new Set(list.map((a) => `${a.kind} ${a.status}`))].sort();

  it('baseline: every route answers 2xx', async () => {
    const user = await call('setup', 'createUser', '/api/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Known', email: 'known@example.com' }),
    });
    expect(user.status).toBe(201);
    knownUser = (user.body as { data: { userId: string } }).data.userId;
    await rounds('baseline', 5);
    expect(of('baseline').every((a) => a.status >= 200 && a.status < 300)).toBe(true);
  });

  it('Redis down: reads, writes and webhooks still 2xx (cache read-through); ready 200, /health and /status degraded', async () => {
    await under('redis-stopping', () => redis!.stop(), 10);
    await rounds('redis-down', 10);
    const down = [...of('redis-stopping'), ...of('redis-down')];
    expect(statuses(down.filter((a) => a.status < 200 || a.status >= 300))).toEqual([]);

    expect((await health('/health/ready')).status).toBe(200);
    const report = await health('/health');
    expect(report.status).toBe(200);
    expect(report.body.status).toBe('degraded');
    expect((report.body.details as Record<string, { status: string }>).redis.status).toBe('degraded');
    const status = (await health('/status')).body as { status: string; dependencies: Record<string, string> };
    expect(status.dependencies).toMatchObject({ database: 'up', redis: 'degraded' });
    expect(status.status).toBe('degraded');
    const metrics = await call('redis-down-metrics', 'metrics', '/metrics');
    expect(String(metrics.body)).toMatch(/cache_fallbacks_total\{operation="get",reason="[a-z-]+"\} [1-9]/);

    await under('redis-starting', () => redis!.start(), 10);
    await waitFor(async () => (await health('/health')).body.status === 'ok', {
      what: 'redis up again in /health',
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    await rounds('redis-back', 3);
    expect(statuses(of('redis-back').filter((a) => a.status >= 300))).toEqual([]);
  }, 120_000);

  it('PostgreSQL down: 503 problems with Retry-After (never 500), ready 503 and live 200; recovered afterwards', async () => {
    await under('pg-stopping', () => postgres!.stop(), 20);
    await rounds('pg-down', 5);
    expect((await health('/health/ready')).status).toBe(503);
    expect((await health('/health')).status).toBe(503);
    expect((await health('/health/live')).status).toBe(200);
    const token = await call('pg-down', 'token', '/oauth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${BOOTSTRAP.id}&client_secret=${BOOTSTRAP.secret}`,
    });
    expect(token.status).toBe(503);

    await under('pg-starting', async () => {
      await postgres!.start();
      await waitFor(async () => (await health('/health/ready')).status === 200, {
        what: 'ready after PostgreSQL restarts',
        timeoutMs: 30_000,
        intervalMs: 100,
      });
    });
    await rounds('pg-back', 3);
    expect(statuses(of('pg-back').filter((a) => a.status >= 300))).toEqual([]);

    const outage = [...of('pg-stopping'), ...of('pg-down'), ...of('pg-starting')];
    const failed = outage.filter((a) => a.status >= 300 || a.status === 0);
    expect(of('pg-down').filter((a) => a.status !== 503 && a.kind !== 'profile')).toEqual([]);
    // Any failure is a 503 problem with Retry-After: never a 500, never a hang.
    expect(statuses(failed.filter((a) => a.status !== 503))).toEqual([]);
    for (const a of failed) {
      expect([a.kind, a.contentType]).toEqual([a.kind, expect.stringMatching(/^application\/problem\+json/)]);
      expect([a.kind, a.retryAfter]).toEqual([a.kind, expect.stringMatching(/^[1-9][0-9]*$/)]);
    }
  }, 180_000);

  it('afterwards: every acknowledged write is stored exactly once; every answer came within its budget', async () => {
    for (const email of ackedUsers) {
      const res = await call('verify', 'verify', `/api/v1/users?email=${encodeURIComponent(email)}`);
      expect([email, (res.body as { total: number }).total]).toEqual([email, 1]);
    }
    for (const id of ackedEvents) {
      const res = await call('verify', 'verify', `/api/v1/webhook-events?source=acme&externalEventId=${id}`);
      expect([id, (res.body as { total: number }).total]).toEqual([id, 1]);
    }
    const late = answers.filter((a) => a.status === 0 || a.ms > BUDGET_MS);
    expect(late.map((a) => `${a.phase} ${a.kind} ${a.status} ${Math.round(a.ms)} ms`)).toEqual([]);
    expect(stderr.filter((line) => line.includes('ioredis'))).toEqual([]);
    const counts = (phase: string) =>
      Object.entries(
        of(phase).reduce<Record<string, number>>((acc, a) => ({ ...acc, [a.status]: (acc[a.status] ?? 0) + 1 }), {}),
      )
        .map(([status, n]) => `${status}x${n}`)
        .join(' ');
    // The drill's figures, for the note.
    process.stdout.write(
      `outage drill: ${answers.length} requests, max ${Math.round(Math.max(...answers.map((a) => a.ms)))} ms; ` +
        ['redis-stopping', 'redis-down', 'pg-stopping', 'pg-down', 'pg-starting']
          .map((phase) => `${phase}: ${counts(phase)}`)
          .join('; ') +
        `; acknowledged users ${ackedUsers.length}, webhooks ${ackedEvents.length}\n`,
    );
  }, 120_000);
});
