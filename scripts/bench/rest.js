// Issues 2 and 12: the full pipeline (auth, rate limit, logging, metrics, envelope, ETag) beside bare
// Fastify answering the same bytes, in the same run. CPU µs per request is the figure that holds on a
// slow loopback; throughput ratios are printed too. PostgreSQL is measured when it answers at
// BENCH_DATABASE_URL (default: the local `test` database; a scratch database is created and dropped).
// BENCH_REST_BEFORE=<another checkout's dist/src/main.js> also measures that build's two SQLite routes in
// the same run (labelled "before"), so a change is judged against its baseline under the same conditions.
import { join } from 'node:path';
import { benchToken, benchAppEnv, cpuRatio, load, scratchPostgres, startPinned, stop, table, tempDir } from './lib.js';

// Every case is also measured at one fixed request rate, below every case's capacity: at saturation a
// server batches many requests per event-loop turn, and bare Fastify (whose limit is often the load
// generator) does not, which moves CPU per request by tens of percent between runs. At the same rate
// the comparison is like for like.
const RATE = Number(process.env.BENCH_REST_RATE ?? 2000);

/** The case at saturation, then at RATE requests per second. */
async function measure(name, opts, server) {
  const saturated = await load(name, opts, server);
  const fixed = await load(`${name}, at ${RATE} req/s`, { ...opts, overallRate: RATE }, server);
  return [saturated, fixed];
}

// Written by Node and Fastify on every answer, the bare server's included: not replayed.
const TRANSPORT_HEADERS = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

/** The app's response headers as the bare server sends them again, byte for byte. */
export function replayableHeaders(headers) {
  return Object.fromEntries([...headers].filter(([name]) => !TRANSPORT_HEADERS.has(name)));
}

/** 200 users and one more to read back: the bearer headers and that user's id. */
export async function seedUsers(base) {
  const token = await benchToken(base);
  const headers = { authorization: `Bearer ${token}` };
  for (let i = 0; i < 200; i++) {
    await fetch(`${base}/api/v1/users`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `User ${i}`, email: `user${i}@example.com` }),
    });
  }
  const created = await fetch(`${base}/api/v1/users`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ name: '山田太郎', email: 'yamada@example.com' }),
  }).then((r) => r.json());
  return { headers, id: created.data.userId };
}

async function seedAndMeasure(base, app, label, withProfile) {
  const { headers, id } = await seedUsers(base);
  const rows = [];
  let profile;
  if (withProfile) {
    const res = await fetch(`${base}/api/v1/users/${id}/profile`, { headers });
    profile = { body: await res.text(), headers: replayableHeaders(res.headers) };
    const url = `${base}/api/v1/users/${id}/profile`;
    rows.push(...(await measure('GET /api/v1/users/{id}/profile (cache warm)', { url, headers }, app)));
  }
  const url = `${base}/api/v1/users/${id}`;
  rows.push(...(await measure(`GET /api/v1/users/{id} (${label})`, { url, headers }, app)));
  return { rows, profile };
}

async function measureApp(port, databaseEnv, label, withProfile, main = 'dist/src/main.js') {
  const base = `http://127.0.0.1:${port}`;
  const app = await startPinned(
    [main],
    // The limiter stays on (as in production) with a ceiling the run cannot reach.
    benchAppEnv(port, { RATE_LIMIT_PER_MINUTE: '100000000', LOG_LEVEL: 'info', ...databaseEnv }),
    `${base}/health/ready`,
  );
  try {
    return await seedAndMeasure(base, app, label, withProfile);
  } finally {
    await stop(app);
  }
}

async function measureBare(port, name, env) {
  const bare = await startPinned(
    ['scripts/bench/bare-server.js'],
    { PORT: String(port), ...env },
    `http://127.0.0.1:${port}/health/ready`,
  );
  try {
    return await measure(name, { url: `http://127.0.0.1:${port}/bare` }, bare);
  } finally {
    await stop(bare);
  }
}

export async function run() {
  const dir = tempDir('bench-rest-');
  const sqlite = await measureApp(3301, { SQLITE_PATH: join(dir, 'bench.sqlite'), DATABASE_URL: '' }, 'SQLite', true);
  const rows = [...sqlite.rows];
  const before = process.env.BENCH_REST_BEFORE;
  const beforeRows = before
    ? (await measureApp(3305, { SQLITE_PATH: join(dir, 'before.sqlite'), DATABASE_URL: '' }, 'SQLite', true, before))
        .rows
    : [];
  for (const r of beforeRows) r.name = `before: ${r.name}`;
  const scratch = await scratchPostgres('bench');
  if (scratch) {
    try {
      rows.push(...(await measureApp(3303, { DATABASE_URL: scratch.url }, 'PostgreSQL', false)).rows);
    } finally {
      await scratch.drop();
    }
  }
  // Two baselines, both bare Fastify in this run: the same body only (what earlier rounds measured), and
  // the same bytes — status line, the app's 20-odd headers and the body — which is what the ratio goals
  // are judged on: the headers are bytes every answer of the app carries, and writing them costs bare
  // Fastify as much as the app; what the ratio should show is what the app's pipeline adds on top.
  const [bodyOnly, bodyOnlyFixed] = await measureBare(3302, 'bare Fastify, same body', {
    BARE_BODY: sqlite.profile.body,
  });
  const [baseline, baselineFixed] = await measureBare(3304, 'bare Fastify, same bytes (headers and body)', {
    BARE_BODY: sqlite.profile.body,
    BARE_HEADERS: JSON.stringify(sqlite.profile.headers),
  });
  // measure() gives each case twice, saturated then at RATE: even entries, odd entries.
  const pick = (list, odd) => list.filter((_, i) => i % 2 === (odd ? 1 : 0));
  const saturated = pick(rows, false);
  const fixed = pick(rows, true);
  const goals = (cases, base, how) => {
    const ratio = (r) => cpuRatio(r, base) ?? 0;
    const [profile, ...byId] = cases;
    return [
      {
        what: `${how}: profile CPU ratio (same bytes ÷ route) ≥ 0.40 (${ratio(profile).toFixed(2)})`,
        met: ratio(profile) >= 0.4,
      },
      ...byId.map((r) => ({
        what: `${how}: ${r.name} CPU ratio ≥ 0.28 (${ratio(r).toFixed(2)})`,
        met: ratio(r) >= 0.28,
      })),
    ];
  };
  const targets = [
    ...goals(saturated, baseline, 'saturated'),
    ...goals(fixed, baselineFixed, `at ${RATE} req/s`),
    { what: 'p97.5 < 15 ms for every route at 50 connections', met: saturated.every((r) => r.p97_5 < 15) },
  ];
  if (!scratch) targets.push({ what: 'user by id on PostgreSQL (no server answered: not measured)', met: false });
  return {
    title: 'REST pipeline vs bare Fastify (server pinned to one core, CPU per request from /proc)',
    markdown:
      `Saturated (50 connections, as fast as the server answers):\n\n` +
      `${table([bodyOnly, baseline, ...pick(beforeRows, false), ...saturated], baseline, bodyOnly)}\n\n` +
      `At ${RATE} req/s for every case (BENCH_REST_RATE):\n\n` +
      table([bodyOnlyFixed, baselineFixed, ...pick(beforeRows, true), ...fixed], baselineFixed, bodyOnlyFixed),
    targets,
  };
}
