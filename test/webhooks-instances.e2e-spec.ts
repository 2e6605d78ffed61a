import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOOTSTRAP, isolatedDatabase } from './helpers/test-app.js';
import { CHILD_START_BUDGET_MS, kill, startChild, token, type Child } from './support/child-app.js';
import { STANDARD_SECRET, standardDelivery } from './support/webhook-deliveries.js';
import { waitFor } from './support/wait.js';

const EVENTS = 60;

describe('several app processes on one database', () => {
  let dir: string;
  let drop: () => Promise<void>;
  let env: Record<string, string>;
  const children: Child[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'webhooks-instances-'));
    const db = await isolatedDatabase();
    drop = db.drop;
    env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      SANDBOX_ENABLED: 'false',
      AUTH_BOOTSTRAP_CLIENT_ID: BOOTSTRAP.id,
      AUTH_BOOTSTRAP_CLIENT_SECRET: BOOTSTRAP.secret,
      RATE_LIMIT_PER_MINUTE: '0',
      ...db.env,
      ...(db.env.DATABASE_URL ? {} : { SQLITE_PATH: join(dir, 'app.sqlite') }),
      WEBHOOK_ACME_SCHEME: 'standard',
      WEBHOOK_ACME_SECRETS: STANDARD_SECRET,
      WEBHOOK_LEASE_MS: '10000',
      WEBHOOK_SWEEP_INTERVAL_MS: '100',
      CHILD_HANDLER_MS: '20',
      MARKER_FILE: join(dir, 'marker.log'),
    };
  });
  afterAll(async () => {
    await Promise.all(children.map((child) => kill(child, 'SIGKILL')));
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'processes each event exactly once while two worker processes compete for every one of them',
    async () => {
      // The receiver only stores (no workers); both workers' sweepers find every event and both claim it
      // (with BullMQ they also share the queue the receiver feeds).
      const [receiver, ...workers] = await Promise.all([
        startChild({ ...env, WEBHOOK_WORKER_CONCURRENCY: '0' }, children),
        startChild({ ...env, WEBHOOK_WORKER_CONCURRENCY: '4' }, children),
        startChild({ ...env, WEBHOOK_WORKER_CONCURRENCY: '4' }, children),
      ]);

      const ids: string[] = [];
      for (let i = 0; i < EVENTS; i += 10) {
        const batch = Array.from({ length: 10 }, () => standardDelivery({ type: 'order.crash' }));
        const responses = await Promise.all(
          batch.map((d) =>
            fetch(`${receiver.base}/api/v1/webhooks/acme`, { method: 'POST', headers: d.headers, body: d.body }),
          ),
        );
        for (const res of responses) {
          expect(res.status).toBe(200);
          ids.push(((await res.json()) as { data: { eventId: string } }).data.eventId);
        }
      }

      const auth = { authorization: `Bearer ${await token(receiver.base)}` };
      await waitFor(
        async () => {
          const res = await fetch(`${receiver.base}/api/v1/webhook-events?status=processed&limit=1`, { headers: auth });
          return ((await res.json()) as { total: number }).total === EVENTS;
        },
        { what: `${EVENTS} events processed`, timeoutMs: 20000 },
      );

      const lines = (existsSync(env.MARKER_FILE) ? readFileSync(env.MARKER_FILE, 'utf8').trim().split('\n') : []).map(
        (l) => l.split(' '),
      );
      const starts = lines.filter(([what]) => what === 'start');
      const dones = lines.filter(([what]) => what === 'done');
      // One start and one end per event: no event ran twice, in parallel or after another's commit.
      expect(starts.map(([, , id]) => id).sort()).toEqual([...ids].sort());
      expect(dones.map(([, , id]) => id).sort()).toEqual([...ids].sort());
      expect(starts.every(([, , , attempt]) => attempt === '1')).toBe(true);
      // Both workers competed: each won events or lost claims to the other (on SQLite one process may win
      // nearly every write lock); the receiver ran no handler.
      const byPid = (pid: number | undefined) => starts.filter(([, p]) => Number(p) === pid).length;
      expect(byPid(receiver.process.pid)).toBe(0);
      for (const worker of workers) {
        const debug = await fetch(`${worker.base}/debug`, { headers: auth });
        const { claims } = ((await debug.json()) as { webhooks: { claims: { won: number; missed: number } } }).webhooks;
        expect(claims.won).toBe(byPid(worker.process.pid));
        expect(claims.won + claims.missed).toBeGreaterThan(0);
      }
      expect(byPid(workers[0].process.pid) + byPid(workers[1].process.pid)).toBe(EVENTS);
      // One business row per event.
      for (const id of ids.slice(0, 5)) {
        const users = await fetch(`${receiver.base}/api/v1/users?name=${id}`, { headers: auth });
        expect(((await users.json()) as { total: number }).total).toBe(1);
      }
    },
    CHILD_START_BUDGET_MS + 60_000,
  );
});
