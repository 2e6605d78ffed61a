import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { DEV_SECRETS } from '../../src/config/env.schema.js';
import { createSandboxServer, type SandboxServer } from '../../src/modules/sandbox/index.js';
import { CREDENTIALS } from '../support/sandbox-http.js';
import { sandboxEnv } from '../support/integrations.js';
import {
  createDatabase,
  REDIS_URL,
  startInstance,
  waitReady,
  type Instance,
  startCluster,
  stopCluster,
  type Cluster,
} from './cluster.js';
import { waitFor } from '../support/wait.js';

const signer = new Webhook(DEV_SECRETS.WEBHOOK_PAYMENT_SERVICE_SECRETS);

/** A payment.succeeded delivery signed as the payment service signs it (Standard Webhooks). */
function delivery(providerPaymentId: string, eventId = `evt_${randomUUID()}`) {
  const body = JSON.stringify({
    id: eventId,
    type: 'payment.succeeded',
    created: Math.floor(Date.now() / 1000),
    data: { id: providerPaymentId, status: 'succeeded' },
  });
  const timestamp = new Date();
  return {
    eventId,
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': eventId,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signer.sign(eventId, timestamp, body),
    },
  };
}

/** Emails the provider queued for sending: a repeated Idempotency-Key is answered, not sent again. */
const emailsSent = (sandbox: SandboxServer) => sandbox.stats().messages.email.accepted;

describe('webhooks and outbound calls across three instances (PostgreSQL + Redis + BullMQ)', () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let sandbox: SandboxServer;
  let cluster: Cluster | undefined;
  let instances: Instance[] = [];
  let env: Record<string, string>;
  let sql: pg.Client;
  let bearer: string;
  const prefix = `clusterwh_${randomBytes(4).toString('hex')}:`;

  beforeAll(async () => {
    db = await createDatabase();
    sandbox = createSandboxServer({ credentials: CREDENTIALS, settleDelayMs: 3_600_000 });
    const sandboxUrl = await sandbox.listen(0);
    env = {
      ...sandboxEnv(sandboxUrl),
      DATABASE_URL: db.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      RATE_LIMIT_PER_MINUTE: '1000000',
      WEBHOOK_LEASE_MS: '3000',
      WEBHOOK_SWEEP_INTERVAL_MS: '500',
      WEBHOOK_RETRY_BASE_MS: '50',
      SHUTDOWN_DRAIN_MS: '200',
    };
    cluster = await startCluster('wh', env, db.url);
    ({ instances, sql, bearer } = cluster);
  }, 90_000);

  afterAll(async () => {
    await sandbox?.close();
    await stopCluster(cluster, db, prefix);
  }, 30_000);

  async function createPayments(n: number): Promise<string[]> {
    const users: string[] = [];
    const ids: string[] = [];
    const user = await fetch(`${instances[0].url}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Cluster Payer', email: `payer-${randomUUID()}@example.com` }),
    }).then((r) => r.json() as Promise<{ data: { userId: string } }>);
    users.push(user.data.userId);
    let next = 0;
    const worker = async () => {
      while (next < n) {
        const i = next++;
        const res = await fetch(`${instances[i % 3].url}/api/v1/payments`, {
          method: 'POST',
          headers: { authorization: bearer, 'content-type': 'application/json' },
          body: JSON.stringify({ userId: users[0], amount: 1000 + i, currency: 'JPY' }),
        });
        expect(res.status).toBe(201);
        ids.push(((await res.json()) as { data: { providerPaymentId: string } }).data.providerPaymentId);
      }
    };
    await Promise.all(Array.from({ length: 20 }, worker));
    return ids;
  }

  /** Waits until `count` events of `source` are processed (the payment emails are `internal` follow-ups). */
  async function waitProcessed(count: number, timeoutMs = 60_000, source = 'payment-service'): Promise<void> {
    await waitFor(
      async () => {
        const { rows } = await sql.query<{ n: string }>(
          "SELECT count(*) AS n FROM webhook_events WHERE status = 'processed' AND source = $1",
          [source],
        );
        return Number(rows[0].n) >= count;
      },
      { what: `${count} ${source} events processed`, timeoutMs, intervalMs: 200 },
    );
  }

  /** Waits until the email provider has accepted `count` more emails than `before`. */
  async function waitEmails(before: number, count: number, timeoutMs = 60_000): Promise<void> {
    await waitFor(() => emailsSent(sandbox) - before >= count, { what: `${count} emails sent`, timeoutMs });
  }

  /**
   * Until nothing is left that could process an event or send an email again: no event waits, retries
   * or is held in the database, and no instance has an attempt in flight (a BullMQ job left "active" by
   * the SIGKILLed instance claims nothing once its event is finished). A duplicate would have happened by
   * then; a fixed pause would only make one likely to show.
   */
  async function quiescent(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      async () => {
        const { rows } = await sql.query<{ n: string }>(
          "SELECT count(*) AS n FROM webhook_events WHERE status IN ('pending', 'retrying', 'processing')",
        );
        if (Number(rows[0].n) > 0) return false;
        for (const instance of instances) {
          const res = await fetch(`${instance.url}/debug`, { headers: { authorization: bearer } });
          const { webhooks } = (await res.json()) as { webhooks: { inFlight: number } };
          if (webhooks.inFlight > 0) return false;
        }
        return true;
      },
      { what: 'the cluster to have nothing left to process', timeoutMs, intervalMs: 200 },
    );
  }

  it('fetches one OAuth 2.0 token for the whole cluster', async () => {
    await createPayments(30);
    expect(sandbox.stats().token.issued).toBe(1);
  });

  it('processes an event delivered to all three instances at once exactly once, and notifies once', async () => {
    const [providerPaymentId] = await createPayments(1);
    const before = emailsSent(sandbox);
    const d = delivery(providerPaymentId);
    const answers = await Promise.all(
      instances.flatMap((i) =>
        Array.from({ length: 5 }, () =>
          fetch(`${i.url}/api/v1/webhooks/payment-service`, { method: 'POST', headers: d.headers, body: d.body }).then(
            async (r) => ({
              status: r.status,
              body: (await r.json()) as { data: { eventId: string; duplicate: boolean } },
            }),
          ),
        ),
      ),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(new Set(answers.map((a) => a.body.data.eventId)).size).toBe(1);
    expect(answers.filter((a) => !a.body.data.duplicate)).toHaveLength(1);
    const { rows: events } = await sql.query('SELECT id FROM webhook_events WHERE external_event_id = $1', [d.eventId]);
    expect(events).toHaveLength(1);
    let status = 'pending';
    await waitFor(
      async () => {
        const { rows } = await sql.query<{ status: string }>(
          'SELECT status FROM payments WHERE provider_payment_id = $1',
          [providerPaymentId],
        );
        status = rows[0].status;
        return status === 'succeeded';
      },
      { what: 'the payment succeeded', timeoutMs: 20_000, intervalMs: 100 },
    ).catch(() => undefined);
    expect(status).toBe('succeeded');
    await waitEmails(before, 1, 20_000);
    await quiescent(20_000);
    expect(emailsSent(sandbox) - before).toBe(1);
  });

  it('processes 1,000 webhooks spread over the instances, none twice, while one is SIGKILLed and restarted', async () => {
    const payments = await createPayments(1000);
    const emailsBefore = emailsSent(sandbox);
    const { rows: before } = await sql.query<{ n: string }>(
      "SELECT count(*) AS n FROM webhook_events WHERE source = 'payment-service'",
    );
    const deliveries = payments.map((p) => delivery(p));
    const victim = 1;
    let next = 0;
    let refused = 0;
    const sender = async () => {
      while (next < deliveries.length) {
        const i = next++;
        const d = deliveries[i];
        // Like a provider: a delivery that fails is retried, here on another instance.
        for (let attempt = 0; ; attempt++) {
          const target = instances[(i + attempt) % 3];
          const ok = await fetch(`${target.url}/api/v1/webhooks/payment-service`, {
            method: 'POST',
            headers: d.headers,
            body: d.body,
          }).then(
            (r) => r.status === 200,
            () => false,
          );
          if (ok) break;
          refused++;
          if (attempt > 20) throw new Error(`delivery ${i} kept failing`);
        }
      }
    };
    const senders = Array.from({ length: 30 }, sender);
    // Killed mid-stream: once a tenth of the deliveries are out, not after a guess at how long that takes.
    await waitFor(() => next >= deliveries.length / 10, { what: 'a tenth of the deliveries sent', intervalMs: 10 });
    instances[victim].process.kill('SIGKILL');
    await instances[victim].exited;
    instances[victim] = startInstance(`wh-${victim}-restarted`, instances[victim].port, env);
    await waitReady(instances[victim]);
    await Promise.all(senders);
    await waitProcessed(Number(before[0].n) + deliveries.length, 90_000);
    const ids = deliveries.map((d) => d.eventId);
    const { rows } = await sql.query<{ status: string; n: string }>(
      'SELECT status, count(*) AS n FROM webhook_events WHERE external_event_id = ANY($1) GROUP BY status',
      [ids],
    );
    expect(rows).toEqual([{ status: 'processed', n: '1000' }]);
    // The emails are follow-up events: each settlement's, once.
    await waitEmails(emailsBefore, 1000, 90_000);
    await quiescent(90_000);
    const { rows: mails } = await sql.query<{ n: string; keys: string }>(
      "SELECT count(*) AS n, count(DISTINCT idempotency_key) AS keys FROM email_messages WHERE idempotency_key LIKE 'webhook:%'",
    );
    expect(Number(mails[0].keys)).toBe(Number(mails[0].n));
    const { rows: settled } = await sql.query<{ n: string }>(
      "SELECT count(*) AS n FROM payments WHERE provider_payment_id = ANY($1) AND status = 'succeeded'",
      [payments],
    );
    expect(Number(settled[0].n)).toBe(1000);
    expect(emailsSent(sandbox) - emailsBefore).toBe(1000);
    expect(refused).toBeGreaterThanOrEqual(0);
  }, 180_000);
});
