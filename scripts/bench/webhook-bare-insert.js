// The baseline of the webhook suite: the same INSERT the receiver runs, in a loop, straight to the database
// with its driver (no HTTP, no verification, no framework). Prints one JSON line of results.
// Env: DATABASE_URL (PostgreSQL; else SQLITE_PATH), DURATION_S, WARMUP_S, CONCURRENCY (PostgreSQL: inserts in
// flight over a pool of POOL_SIZE connections, as the app's pool), BODY, SOURCE.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ulid } from 'ulid';

const durationS = Number(process.env.DURATION_S ?? 10);
const warmupS = Number(process.env.WARMUP_S ?? 2);
const body = Buffer.from(process.env.BODY ?? '{}');
const source = process.env.SOURCE ?? 'bench-bare';
const prefix = randomBytes(4).toString('hex');

let n = 0;
/** The same columns and values the receiver writes for a delivery. */
function row() {
  const now = new Date();
  const id = `msg_${prefix}_${++n}`;
  const headers = JSON.stringify({
    'content-type': 'application/json',
    'user-agent': 'autocannon',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
  });
  return { id: ulid(now.getTime()), externalId: id, now, headers };
}

// What the receiver writes for an event of a type without a handler (stored finished, never dispatched).
const SQL = `INSERT INTO webhook_events (id, source, external_event_id, type, status, attempts, body, headers,
  received_at, signed_at, available_at, processed_at, updated_at)
  VALUES (?, ?, ?, ?, 'ignored', 0, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (source, external_event_id) DO NOTHING RETURNING id`;

function percentile(sorted, p) {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

async function postgres() {
  const pg = (await import('pg')).default;
  pg.defaults.parseInputDatesAsUTC = true;
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_SIZE ?? 10) });
  let i = 0;
  const text = SQL.replace(/\?/g, () => `$${++i}`);
  const concurrency = Number(process.env.CONCURRENCY ?? 50);
  const insert = async () => {
    const r = row();
    const t0 = performance.now();
    const res = await pool.query(text, [
      r.id,
      source,
      r.externalId,
      'bench.event',
      body,
      r.headers,
      r.now,
      r.now,
      r.now,
      r.now,
      r.now,
    ]);
    if (res.rows.length !== 1) throw new Error('insert did not return the row');
    return performance.now() - t0;
  };
  const phase = async (seconds) => {
    const latencies = [];
    const end = performance.now() + seconds * 1000;
    const loop = async () => {
      while (performance.now() < end) latencies.push(await insert());
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, loop));
    return { latencies, elapsed: (performance.now() - t0) / 1000 };
  };
  await phase(warmupS);
  const cpu = process.cpuUsage();
  const { latencies, elapsed } = await phase(durationS);
  const used = process.cpuUsage(cpu);
  await pool.end();
  return { latencies, elapsed, concurrency, cpuMicros: used.user + used.system };
}

async function sqlite() {
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(process.env.SQLITE_PATH);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  const statement = db.prepare(SQL);
  const time = (d) => d.toISOString().replace('T', ' ').replace('Z', '');
  const phase = (seconds) => {
    const latencies = [];
    const end = performance.now() + seconds * 1000;
    const t0 = performance.now();
    while (performance.now() < end) {
      const r = row();
      const at = time(r.now);
      const s = performance.now();
      statement.all(r.id, source, r.externalId, 'bench.event', body, r.headers, at, at, at, at, at);
      latencies.push(performance.now() - s);
    }
    return { latencies, elapsed: (performance.now() - t0) / 1000 };
  };
  phase(warmupS);
  const cpu = process.cpuUsage();
  const { latencies, elapsed } = phase(durationS);
  const used = process.cpuUsage(cpu);
  db.close();
  return { latencies, elapsed, concurrency: 1, cpuMicros: used.user + used.system };
}

const { latencies, elapsed, concurrency, cpuMicros } = process.env.DATABASE_URL ? await postgres() : await sqlite();
latencies.sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({
    inserts: latencies.length,
    rps: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    concurrency,
    cpuPerInsert: cpuMicros / latencies.length,
  })}\n`,
);
