import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  createDatabase,
  freePort,
  REDIS_URL,
  startInstance,
  stopInstance,
  waitReady,
  type Instance,
  startCluster,
  stopCluster,
  type Cluster,
} from './cluster.js';
import { waitFor } from '../support/wait.js';

interface UserBody {
  data: { userId: string; name: string; email: string };
}

describe('three instances on one PostgreSQL and one Redis', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let cluster: Cluster | undefined;
  let instances: Instance[] = [];
  const prefix = `cluster_${randomBytes(4).toString('hex')}:`;
  let sql: pg.Client;
  let bearer: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createDatabase();
    env = {
      DATABASE_URL: db.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      RATE_LIMIT_PER_MINUTE: '100000',
      SHUTDOWN_DRAIN_MS: '1500',
    };
    // Started together on purpose: migrations must run once, under the advisory lock.
    cluster = await startCluster('app', env, db.url);
    ({ instances, sql, bearer } = cluster);
  }, 90_000);

  afterAll(async () => {
    await stopCluster(cluster, db, prefix);
  }, 30_000);

  it('ran each migration exactly once although the instances started together', async () => {
    const { rows } = await sql.query<{ name: string; n: string }>(
      'SELECT name, count(*) AS n FROM migrations GROUP BY name',
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(Number(row.n)).toBe(1);
    for (const i of instances) expect(i.output()).not.toMatch(/already exists|QueryFailedError/);
  });

  it('accepts a token issued by one instance on the others', async () => {
    for (const i of instances) {
      const res = await fetch(`${i.url}/api/v1/users`, { headers: { authorization: bearer } });
      expect(res.status).toBe(200);
    }
  });

  it('serves a profile cached by one instance from the cache on another, and invalidates it for all on update', async () => {
    const [a, b, c] = instances;
    const created = await fetch(`${a.url}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Cached Name', email: `cache-${Date.now()}@example.com` }),
    });
    expect(created.status).toBe(201);
    const { data } = (await created.json()) as UserBody;
    const profile = (i: Instance) =>
      fetch(`${i.url}/api/v1/users/${data.userId}/profile`, { headers: { authorization: bearer } }).then(
        async (r) => ((await r.json()) as UserBody).data.name,
      );
    expect(await profile(a)).toBe('Cached Name');
    // Behind the service's back: only a shared cache can still answer the old name on B.
    await sql.query('UPDATE users SET name = $1 WHERE id = $2', ['Changed In DB', data.userId]);
    expect(await profile(b)).toBe('Cached Name');
    const patched = await fetch(`${c.url}/api/v1/users/${data.userId}`, {
      method: 'PATCH',
      headers: { authorization: bearer, 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ name: 'Patched On C' }),
    });
    expect(patched.status).toBe(200);
    expect(await profile(a)).toBe('Patched On C');
    expect(await profile(b)).toBe('Patched On C');
  });

  it('shares the rate limit: a client gets the limit once across the cluster, not once per instance', async () => {
    const limit = 30;
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    const limited = ports.map((port, i) =>
      startInstance(`limited-${i}`, port, {
        ...env,
        RATE_LIMIT_PER_MINUTE: String(limit),
        REDIS_KEY_PREFIX: `${prefix}rl_`,
      }),
    );
    try {
      await Promise.all(limited.map((i) => waitReady(i)));
      const statuses: number[] = [];
      for (let n = 0; n < limit + 15; n++) {
        const target = limited[n % limited.length];
        const res = await fetch(`${target.url}/api/v1/users?limit=1`, { headers: { authorization: bearer } });
        statuses.push(res.status);
        if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(limit);
      expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    } finally {
      await Promise.all(limited.map((i) => stopInstance(i, 'SIGKILL')));
    }
  }, 60_000);

  it('loses no accepted request when an instance under load gets SIGTERM', async () => {
    const port = await freePort();
    const victim = startInstance('victim', port, env);
    await waitReady(victim);
    let routing = true; // the "load balancer": stops sending once readiness answers 503
    const results: { status: number | string }[] = [];
    const worker = async (w: number) => {
      let n = 0;
      while (routing) {
        const res = await fetch(`${victim.url}/api/v1/users`, {
          method: 'POST',
          headers: { authorization: bearer, 'content-type': 'application/json' },
          body: JSON.stringify({ name: `Load ${w}-${n}`, email: `load-${w}-${n++}-${port}@example.com` }),
        }).then(
          (r) => ({ status: r.status }),
          (e: Error) => ({ status: `error: ${e.message}` }),
        );
        results.push(res);
      }
    };
    const probe = (async () => {
      while (routing) {
        const ready = await fetch(`${victim.url}/health/ready`).then(
          (r) => r.status,
          () => 0,
        );
        if (ready !== 200) routing = false;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const workers = Array.from({ length: 10 }, (_, w) => worker(w));
    // Stopped under load: once the writers are well under way, not after a guess at how long that takes.
    await waitFor(() => results.length > 50, { what: 'more than 50 writes answered before the SIGTERM' });
    victim.process.kill('SIGTERM');
    await Promise.all([probe, ...workers]);
    const code = await victim.exited;
    expect(code).toBe(0);
    expect(results.length).toBeGreaterThan(50);
    expect(results.filter((r) => r.status !== 201)).toEqual([]);
    const { rows } = await sql.query<{ n: string }>('SELECT count(*) AS n FROM users WHERE email LIKE $1', [
      `%-${port}@example.com`,
    ]);
    expect(Number(rows[0].n)).toBe(results.length);
  }, 60_000);
});
