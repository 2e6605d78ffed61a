// Issues 2 and 12: the full pipeline (auth, rate limit, logging, metrics, envelope, ETag) beside bare
// Fastify answering the same bytes, in the same run. CPU µs per request is the figure that holds on a
// slow loopback; throughput ratios are printed too. PostgreSQL is measured when it answers at
// BENCH_DATABASE_URL (default: the local `test` database; a scratch database is created and dropped).
import { join } from 'node:path';
import { benchToken, benchAppEnv, cpuRatio, load, scratchPostgres, startPinned, stop, table, tempDir } from './lib.js';

async function seedAndMeasure(base, app, label, withProfile) {
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
  const id = created.data.userId;
  const rows = [];
  let profileBody;
  if (withProfile) {
    profileBody = await fetch(`${base}/api/v1/users/${id}/profile`, { headers }).then((r) => r.text());
    const url = `${base}/api/v1/users/${id}/profile`;
    rows.push(await load('GET /api/v1/users/{id}/profile (cache warm)', { url, headers }, app));
  }
  const url = `${base}/api/v1/users/${id}`;
  rows.push(await load(`GET /api/v1/users/{id} (${label})`, { url, headers }, app));
  return { rows, profileBody };
}

async function measureApp(port, databaseEnv, label, withProfile) {
  const base = `http://127.0.0.1:${port}`;
  const app = await startPinned(
    ['dist/src/main.js'],
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

export async function run() {
  const dir = tempDir('bench-rest-');
  const sqlite = await measureApp(3301, { SQLITE_PATH: join(dir, 'bench.sqlite'), DATABASE_URL: '' }, 'SQLite', true);
  const rows = [...sqlite.rows];
  const scratch = await scratchPostgres('bench');
  if (scratch) {
    try {
      rows.push(...(await measureApp(3303, { DATABASE_URL: scratch.url }, 'PostgreSQL', false)).rows);
    } finally {
      await scratch.drop();
    }
  }
  const barePort = 3302;
  const bare = await startPinned(
    ['scripts/bench/bare-server.js'],
    { PORT: String(barePort), BARE_BODY: sqlite.profileBody },
    `http://127.0.0.1:${barePort}/health/ready`,
  );
  let baseline;
  try {
    baseline = await load('bare Fastify, same bytes', { url: `http://127.0.0.1:${barePort}/bare` }, bare);
  } finally {
    await stop(bare);
  }
  const ratio = (r) => cpuRatio(r, baseline) ?? 0;
  const [profile, ...byId] = rows;
  const targets = [
    { what: 'profile: CPU per request ratio (bare ÷ route) ≥ 0.40', met: ratio(profile) >= 0.4 },
    ...byId.map((r) => ({ what: `${r.name}: CPU ratio ≥ 0.28`, met: ratio(r) >= 0.28 })),
    { what: 'p97.5 < 15 ms for every route at 50 connections', met: rows.every((r) => r.p97_5 < 15) },
  ];
  if (!scratch) targets.push({ what: 'user by id on PostgreSQL (no server answered: not measured)', met: false });
  return {
    title: 'REST pipeline vs bare Fastify (server pinned to one core, CPU per request from /proc)',
    markdown: table([baseline, ...rows], baseline),
    targets,
  };
}
