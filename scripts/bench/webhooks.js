// Webhook ingest (verify the signature, insert the inbox row durably, answer 200) beside a bare insert
// loop of the same rows into the same database, in the same run; plus the ack latency at a fixed 200 req/s.
//
//   BENCH_SUITES=webhooks npm run bench
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test BENCH_SUITES=webhooks npm run bench
//
// BENCH_DATABASE_URL runs it on PostgreSQL (in a scratch database created next to the given one and dropped
// afterwards), else on a SQLite file; BENCH_REDIS_URL adds BullMQ. The server (scripts/bench/webhook-server.js:
// the built app plus one handler) and the bare loop run pinned to the server core, autocannon on the other.
// Every request is a distinct event with its own valid Standard Webhooks signature, signed as it is sent.
//
// `ack while the email service hangs` (scripts/bench/webhook-slow-email.js): every event emails through an
// email service that never answers; the acks must not wait for those calls (p99 < 100 ms).
//
// Cases: `bench.event` has no handler, so it is stored finished (`ignored`) and the 200 is the whole cost;
// `bench.handled` has one, so workers process each event (claim, then a transaction with a business write)
// on the same core and database while the ingest runs. The bare loop and the ingest alternate for
// BENCH_ROUNDS rounds (default 3, the app idle while the loop runs) and the ratio is the median of the
// rounds' ratios, so a neighbour's load on the machine skews one round rather than the result.
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import {
  benchToken,
  scratchPostgres,
  CONNECTIONS,
  DURATION_S,
  SERVER_CORE,
  load,
  cpuMeter,
  startPinned,
  stop,
  table,
  tempDir,
} from './lib.js';
import { slowEmailCase } from './webhook-slow-email.js';

const SECRET_BYTES = Buffer.from('bench-webhook-secret-0123456789ab');
const SECRET = `whsec_${SECRET_BYTES.toString('base64')}`;
const PATH = '/api/v1/webhooks/bench';
const FIXED_RATE = 200;
const FIXED_CONNECTIONS = 10;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const runId = randomBytes(4).toString('hex');
let sent = 0;

/** The bench servers' environment besides the port and the database. */
const serverEnv = {
  NODE_ENV: 'development',
  HOST: '127.0.0.1',
  REDIS_URL: process.env.BENCH_REDIS_URL ?? '',
  SANDBOX_ENABLED: 'false',
  RATE_LIMIT_PER_MINUTE: '0',
  LOG_LEVEL: 'info',
  WEBHOOK_BENCH_SCHEME: 'standard',
  WEBHOOK_BENCH_SECRETS: SECRET,
  WEBHOOK_BENCH_ALLOWED_IPS: '127.0.0.1/32,::1/128',
};

function eventBody(n, type) {
  return JSON.stringify({
    id: `evt_${runId}_${n}`,
    type,
    created: 1734431400,
    data: {
      object: 'payment',
      id: `pay_${runId}_${n}`,
      amount: 1200,
      currency: 'JPY',
      reference: `order-${n}`,
      status: 'succeeded',
    },
  });
}

/** An autocannon request that is a fresh event with a fresh signature each time it is sent. */
function webhookRequest(type) {
  return {
    method: 'POST',
    path: PATH,
    setupRequest(request) {
      const n = ++sent;
      const id = `msg_${runId}_${n}`;
      const timestamp = String(Math.floor(Date.now() / 1000));
      const body = eventBody(n, type);
      const signature = createHmac('sha256', SECRET_BYTES).update(`${id}.${timestamp}.${body}`).digest('base64');
      return {
        ...request,
        body,
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': timestamp,
          'webhook-signature': `v1,${signature}`,
        },
      };
    },
  };
}

/**
 * autocannon at a fixed overall rate. Its rate limit lets each connection send its share back to back at
 * the start of every second (bursts of FIXED_CONNECTIONS), and its coordinated-omission correction assumes
 * a 1 ms interval (`Math.ceil(1 / rate)`, rate in requests per second), which turns every response over
 * 1 ms into a run of synthetic samples; the correction is therefore off and the latencies are as measured.
 */
async function loadFixed(name, opts, server) {
  const fixed = { ...opts, overallRate: FIXED_RATE, connections: FIXED_CONNECTIONS, ignoreCoordinatedOmission: true };
  await autocannon({ ...fixed, duration: 2 });
  const cpu = cpuMeter(server);
  const r = await autocannon({ ...fixed, duration: DURATION_S });
  return {
    name,
    rps: r.requests.average,
    p50: r.latency.p50,
    p97_5: r.latency.p97_5,
    p99: r.latency.p99,
    non2xx: r.non2xx + r.errors + r.timeouts,
    cpuPerRequest: r.requests.total > 0 ? cpu() / r.requests.total : undefined,
  };
}

/** Runs a node script pinned to the server core and returns the JSON line it prints. */
function runPinned(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', SERVER_CORE, process.execPath, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1))) : reject(new Error(err)),
    );
  });
}

async function metrics(base, token) {
  const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  const lines = text.split('\n');
  const value = (series) =>
    Number(
      lines
        .find((l) => l.startsWith(`${series} `))
        ?.split(' ')
        .at(-1) ?? 0,
    );
  return {
    received: value('webhook_received_total{source="bench"}'),
    duplicates: value('webhook_duplicates_total{source="bench"}'),
    rejected: lines.filter((l) => l.startsWith('webhook_rejected_total{source="bench"')).length,
    processed: value('webhook_processed_total{source="bench",type="bench.handled",outcome="processed"}'),
    depth: value('webhook_queue_depth'),
  };
}

async function drained(base, token) {
  const deadline = Date.now() + 120000;
  let m = await metrics(base, token);
  while (m.depth > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    m = await metrics(base, token);
  }
  return m;
}

export async function run() {
  const port = 3311;
  const base = `http://127.0.0.1:${port}`;
  const dir = tempDir('bench-webhooks-');
  const given = process.env.BENCH_DATABASE_URL ?? '';
  const postgres = given ? await scratchPostgres('bench_webhooks', given) : null;
  if (given && !postgres) throw new Error(`no PostgreSQL answers at BENCH_DATABASE_URL (${given})`);
  const database = postgres
    ? { DATABASE_URL: postgres.url }
    : { DATABASE_URL: '', SQLITE_PATH: join(dir, 'bench.sqlite') };
  const backend = `${postgres ? 'PostgreSQL' : 'SQLite'}${process.env.BENCH_REDIS_URL ? ' + BullMQ' : ', in-process queue'}`;
  const rounds = [];
  let processing;
  let fixed;
  let check;
  let slow;
  try {
    const app = await startPinned(
      ['scripts/bench/webhook-server.js'],
      { ...serverEnv, PORT: String(port), ...database },
      `${base}/health/ready`,
    );
    try {
      const token = await benchToken(base);
      for (let round = 1; round <= ROUNDS; round++) {
        const bare = await runPinned(['scripts/bench/webhook-bare-insert.js'], {
          ...database,
          DURATION_S: String(DURATION_S),
          WARMUP_S: '1',
          CONCURRENCY: String(CONNECTIONS),
          POOL_SIZE: '10',
          BODY: eventBody(0, 'bench.event'),
        });
        const ingest = await load(
          `ingest, no handler (stored as ignored), ${CONNECTIONS} connections`,
          {
            url: base,
            requests: [webhookRequest('bench.event')],
          },
          app,
        );
        rounds.push({ bare, ingest, ratio: ingest.rps / bare.rps });
      }
      processing = await load(
        `ingest + processing (handler, workers on the same core), ${CONNECTIONS} connections`,
        {
          url: base,
          requests: [webhookRequest('bench.handled')],
        },
        app,
      );
      await drained(base, token);
      fixed = await loadFixed(
        `ingest + processing at a fixed ${FIXED_RATE} req/s, ${FIXED_CONNECTIONS} connections`,
        {
          url: base,
          requests: [webhookRequest('bench.handled')],
        },
        app,
      );
      check = { ...(await drained(base, token)), sent };
    } finally {
      await stop(app);
    }
    // A fresh database state is not needed: the case's events are new ones.
    slow = await slowEmailCase({ port, database, baseEnv: serverEnv, request: webhookRequest, backend });
  } finally {
    await postgres?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
  // The round with the median ratio stands for the run.
  const median = [...rounds].sort((a, b) => a.ratio - b.ratio)[Math.floor(rounds.length / 2)];
  const bare = {
    name: `bare INSERT loop, same rows (${postgres ? `${median.bare.concurrency} in flight, pool of 10` : 'one synchronous loop'}; median round)`,
    rps: median.bare.rps,
    p50: median.bare.p50,
    p97_5: '',
    p99: median.bare.p99,
    non2xx: 0,
    // The loop's own CPU per insert (its client side; the database server's CPU is in neither figure).
    cpuPerRequest: median.bare.cpuPerInsert,
  };
  const ingest = { ...median.ingest, name: `${median.ingest.name}; median round` };
  const rows = [bare, ingest, processing, fixed, ...slow.rows];
  const ratio = (r) => `${((r.rps / bare.rps) * 100).toFixed(1)} %`;
  const targets = [
    {
      what:
        `every request stored once and the backlog drained: ${check.received} stored, ${check.sent} signed ` +
        `(a few per connection are never sent), ${check.duplicates} duplicates, ${check.rejected} rejection series, ` +
        `${check.processed} processed by the handler, depth ${check.depth}`,
      met:
        check.duplicates === 0 &&
        check.rejected === 0 &&
        check.depth === 0 &&
        [...rounds.map((r) => r.ingest), processing, fixed].every((r) => r.non2xx === 0) &&
        check.received <= check.sent,
    },
    { what: `p99 ack ≤ 50 ms at ${FIXED_RATE} req/s (${fixed.p99} ms)`, met: fixed.p99 <= 50 },
    slow.target,
  ];
  if (postgres) {
    targets.push({
      what: `ingest ≥ 60 % of the bare insert rate on PostgreSQL (${ratio(ingest)}; with processing on the same core: ${ratio(processing)})`,
      met: ingest.rps / bare.rps >= 0.6,
    });
  }
  return {
    title: `Webhook ingest vs bare inserts (${backend}; server and bare loop pinned to one core)`,
    markdown:
      `${table(rows, bare)}\n\n` +
      `ingest / bare insert by round: ${rounds.map((r) => `${(r.ratio * 100).toFixed(1)} %`).join(', ')} ` +
      `(median ${ratio(ingest)}); ingest with processing: ${ratio(processing)} of the median round's bare rate` +
      (postgres ? '' : ' (the 60 % target is for PostgreSQL: set BENCH_DATABASE_URL)'),
    targets,
  };
}
