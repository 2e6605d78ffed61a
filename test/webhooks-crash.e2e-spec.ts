import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOOTSTRAP, isolatedDatabase } from './helpers/test-app.js';
import { CHILD_START_BUDGET_MS, kill, startChild, token, type Child } from './support/child-app.js';
import { STANDARD_SECRET, standardDelivery } from './support/webhook-deliveries.js';
import { waitFor } from './support/wait.js';
import { remoteSettled } from './support/webhook-settle.js';

const LEASE_MS = 1500;

describe('webhook worker killed mid-handler (child processes on one database)', () => {
  let dir: string;
  let drop: () => Promise<void>;
  let env: Record<string, string>;
  const children: Child[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'webhooks-crash-'));
    const db = await isolatedDatabase();
    drop = db.drop;
    env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      SANDBOX_ENABLED: 'false',
      AUTH_BOOTSTRAP_CLIENT_ID: BOOTSTRAP.id,
      AUTH_BOOTSTRAP_CLIENT_SECRET: BOOTSTRAP.secret,
      RATE_LIMIT_PER_MINUTE: '0',
      // A shared file, not :memory:, so both processes see one database (PostgreSQL under test:pg).
      ...db.env,
      ...(db.env.DATABASE_URL ? {} : { SQLITE_PATH: join(dir, 'app.sqlite') }),
      WEBHOOK_ACME_SCHEME: 'standard',
      WEBHOOK_ACME_SECRETS: STANDARD_SECRET,
      WEBHOOK_LEASE_MS: String(LEASE_MS),
      WEBHOOK_SWEEP_INTERVAL_MS: '200',
      MARKER_FILE: join(dir, 'marker.log'),
    };
  });
  afterAll(async () => {
    await Promise.all(children.map((child) => kill(child, 'SIGKILL')));
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'finishes the event exactly once in a new process after the first is SIGKILLed inside the handler',
    async () => {
      const first = await startChild({ ...env, CHILD_BLOCK: '1' }, children);
      const delivery = standardDelivery({ type: 'order.crash', data: { orderId: 'o-crash' } });
      const res = await fetch(`${first.base}/api/v1/webhooks/acme`, {
        method: 'POST',
        headers: delivery.headers,
        body: delivery.body,
      });
      expect(res.status).toBe(200);
      const { eventId } = ((await res.json()) as { data: { eventId: string } }).data;

      const markers = () =>
        existsSync(env.MARKER_FILE) ? readFileSync(env.MARKER_FILE, 'utf8').trim().split('\n') : [];
      await waitFor(() => markers().length > 0, { what: 'the handler to start', timeoutMs: 10000 });
      // The handler has written its business row (uncommitted) and blocks: kill the process there.
      await kill(first, 'SIGKILL');
      expect(first.process.signalCode).toBe('SIGKILL');

      const second = await startChild({ ...env, CHILD_BLOCK: '0' }, children);
      const adminToken = await token(second.base);
      const auth = { authorization: `Bearer ${adminToken}` };
      const processed = await waitFor(
        async () => {
          const r = await fetch(`${second.base}/api/v1/webhook-events/${eventId}`, { headers: auth });
          const data = ((await r.json()) as { data: { status: string; attempts: number } }).data;
          return data.status === 'processed' ? data : undefined;
        },
        { what: 'the second process to finish the event', timeoutMs: 15000 },
      );
      const seenProcessed = new Date();
      expect(processed.attempts).toBe(2);

      // Two sweeps of the second process after the event was seen processed, and its queue idle: nothing
      // runs it a third time.
      await remoteSettled(second.base, adminToken, seenProcessed);
      const again = await fetch(`${second.base}/api/v1/webhook-events/${eventId}`, { headers: auth });
      expect(((await again.json()) as { data: { status: string; attempts: number } }).data).toMatchObject({
        status: 'processed',
        attempts: 2,
      });
      const lines = markers().map((l) => l.split(' '));
      expect(lines.map(([what, pid, id, attempt]) => [what, Number(pid), id, attempt])).toEqual([
        ['start', first.process.pid, eventId, '1'],
        ['start', second.process.pid, eventId, '2'],
        ['done', second.process.pid, eventId, '2'],
      ]);
      // The second process took the event over only once the first claim's lease had run out (the claim
      // precedes the handler's start by a few milliseconds).
      expect(Number(lines[1][4]) - Number(lines[0][4])).toBeGreaterThanOrEqual(LEASE_MS - 100);
      // The killed attempt's business write was rolled back: one row, the second attempt's.
      const users = await fetch(`${second.base}/api/v1/users?name=${eventId}`, { headers: auth });
      const list = (await users.json()) as { total: number; data: { userId: string }[] };
      expect(list.total).toBe(1);
      expect(list.data[0].userId).toBe(`${eventId.slice(0, 30)}-2`);
      await kill(second, 'SIGTERM');
    },
    2 * CHILD_START_BUDGET_MS + 60_000,
  );
});
