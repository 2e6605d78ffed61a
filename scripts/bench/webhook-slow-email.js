// Webhook acknowledgements while the email service hangs (issue: acks waited for the email call, which ran
// inside the inbox transaction). The server (scripts/bench/webhook-email-server.js) emails once per event
// through an email service that accepts every connection and never answers; signed events arrive at a
// fixed rate and each starts such a call. The ack must not wait for any of them: p99 < 100 ms.
import { createServer } from 'node:http';
import autocannon from 'autocannon';
import { DURATION_S, cpuMeter, startPinned, stop } from './lib.js';

const RATE = 100;
const CONNECTIONS = 10;
const GOAL_P99_MS = 100;

/** An email service that reads every request and never answers (until closed). */
async function hangingEmail() {
  const held = new Set();
  let calls = 0;
  const server = createServer((req, res) => {
    if (req.url.endsWith('/health')) return void res.writeHead(200).end('{}');
    calls++;
    held.add(res);
    res.on('close', () => held.delete(res));
    req.resume();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    calls: () => calls,
    pending: () => held.size,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Runs the case against `database` (the suite's env for SQLite or PostgreSQL); `request(type)` builds
 * freshly signed deliveries. Returns a table row and the target.
 */
export async function slowEmailCase({ port, database, baseEnv, request, backend }) {
  const email = await hangingEmail();
  const base = `http://127.0.0.1:${port}`;
  let baseline;
  let result;
  let during;
  try {
    const app = await startPinned(
      ['scripts/bench/webhook-email-server.js'],
      {
        ...baseEnv,
        PORT: String(port),
        ...database,
        EMAIL_SERVICE_URLS: email.url,
        EMAIL_SERVICE_API_KEY: 'bench-email-key',
        // Breakers stay closed: the calls hang, they do not fail.
        CIRCUIT_MIN_CALLS: '100000',
      },
      `${base}/health/ready`,
    );
    try {
      const measure = async (type, name) => {
        const opts = {
          url: base,
          requests: [request(type)],
          overallRate: RATE,
          connections: CONNECTIONS,
          // See loadFixed in webhooks.js: the correction assumes a 1 ms interval; latencies as measured.
          ignoreCoordinatedOmission: true,
        };
        await autocannon({ ...opts, duration: 2 });
        const cpu = cpuMeter(app);
        const r = await autocannon({ ...opts, duration: DURATION_S });
        return {
          name: `${name} (${backend}), ${RATE} req/s, ${CONNECTIONS} connections`,
          rps: r.requests.average,
          p50: r.latency.p50,
          p97_5: r.latency.p97_5,
          p99: r.latency.p99,
          non2xx: r.non2xx + r.errors + r.timeouts,
          cpuPerRequest: r.requests.total > 0 ? cpu() / r.requests.total : undefined,
        };
      };
      // The same server and rate without the email first: what this machine gives right now.
      baseline = await measure('bench.event', 'ack, no handler, email service idle');
      result = await measure('bench.email', 'ack while every event emails through a hanging email service');
      during = { calls: email.calls(), pending: email.pending() };
    } finally {
      // Unblock the hung calls first, so the app's shutdown is not held by them.
      await email.close();
      await stop(app);
    }
  } finally {
    await email.close().catch(() => undefined);
  }
  return {
    rows: [baseline, result],
    target: {
      what:
        `webhook ack p99 < ${GOAL_P99_MS} ms while the email service hangs (${backend}): p50 ${result.p50} ms, ` +
        `p99 ${result.p99} ms, ${result.non2xx} non-2xx; ${during.pending} email calls pending at the end ` +
        `(${during.calls} made); same server without email: p99 ${baseline.p99} ms`,
      met: result.p99 < GOAL_P99_MS && result.non2xx === 0 && during.pending > 0,
    },
  };
}
