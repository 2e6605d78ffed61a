// Issue 2: the full pipeline (auth, logging, metrics, envelope, ETag) beside bare Fastify.
import { join } from 'node:path';
import { load, startPinned, stop, table, tempDir } from './lib.js';

export async function run() {
  const port = 3301;
  const base = `http://127.0.0.1:${port}`;
  const dir = tempDir('bench-rest-');
  const app = await startPinned(
    ['dist/src/main.js'],
    {
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      SQLITE_PATH: join(dir, 'bench.sqlite'),
      DATABASE_URL: '',
      REDIS_URL: '',
      SANDBOX_ENABLED: 'false',
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'info',
    },
    `${base}/health/ready`,
  );
  let rows;
  let profileBody;
  try {
    const tokenRes = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=bootstrap&client_secret=dev-only-bootstrap-secret',
    });
    const { access_token: token } = await tokenRes.json();
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
    profileBody = await fetch(`${base}/api/v1/users/${id}/profile`, { headers }).then((r) => r.text());
    const profile = await load('GET /api/v1/users/{id}/profile (cache warm)', {
      url: `${base}/api/v1/users/${id}/profile`,
      headers,
    });
    const byId = await load('GET /api/v1/users/{id} (database read)', { url: `${base}/api/v1/users/${id}`, headers });
    rows = [profile, byId];
  } finally {
    await stop(app);
  }
  const barePort = 3302;
  const bare = await startPinned(
    ['scripts/bench/bare-server.js'],
    { PORT: String(barePort), BARE_BODY: profileBody },
    `http://127.0.0.1:${barePort}/health/ready`,
  );
  let baseline;
  try {
    baseline = await load('bare Fastify, same bytes', { url: `http://127.0.0.1:${barePort}/bare` });
  } finally {
    await stop(bare);
  }
  const all = [baseline, ...rows];
  const ratio = (r) => r.rps / baseline.rps;
  const targets = [
    { what: 'profile ≥ 30 % of bare Fastify', met: ratio(rows[0]) >= 0.3 },
    { what: 'user by id ≥ 12 % of bare Fastify', met: ratio(rows[1]) >= 0.12 },
    { what: 'p97.5 < 20 ms for both', met: rows.every((r) => r.p97_5 < 20) },
  ];
  return {
    title: 'REST pipeline vs bare Fastify (server pinned to one core)',
    markdown: table(all, baseline),
    targets,
  };
}
