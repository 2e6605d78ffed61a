// Issue 12: time from process start to /health/ready 200 (migrations already applied): wall time and
// the server's CPU time (from /proc, which a busy machine inflates far less than the wall time), resident
// memory idle and after a sustained load (BENCH_STARTUP_LOAD_S, default 60 s, on a user by id).
// BENCH_STARTUP_ENTRY: the server to start (default the bundle, as the image runs it; dist/src/main.js
// for the unbundled build).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVER_CORE, benchToken, load, median, processCpuMicros, stop, tempDir } from './lib.js';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 5);
const LOAD_S = Number(process.env.BENCH_STARTUP_LOAD_S ?? 60);
const ENTRY = process.env.BENCH_STARTUP_ENTRY ?? 'dist/bundle/main.js';

const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

function env(port, file) {
  return {
    ...process.env,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    SQLITE_PATH: file,
    DATABASE_URL: '',
    REDIS_URL: '',
    SANDBOX_ENABLED: 'false',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
    DOCS_ENABLED: 'true',
    AUTH_JWT_SECRET: 'bench-only-jwt-secret-0123456789abcdef0123456789',
    AUTH_BOOTSTRAP_CLIENT_ID: 'bench',
    AUTH_BOOTSTRAP_CLIENT_SECRET: 'bench-only-bootstrap-secret-0123456789',
  };
}

/** Spawns the server and polls readiness every 5 ms: returns the child, ms and server CPU ms to the first 200. */
async function timedStart(port, file) {
  const started = process.hrtime.bigint();
  const child = spawn('taskset', ['-c', SERVER_CORE, process.execPath, ENTRY], {
    env: env(port, file),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
      if (res.status === 200) {
        const cpuMs = processCpuMicros(child.pid) / 1000;
        return { child, ms: Number(process.hrtime.bigint() - started) / 1e6, cpuMs };
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill('SIGKILL');
  throw new Error('not ready within 60 s');
}

export async function run() {
  const port = 3321;
  const file = join(tempDir('bench-startup-'), 'startup.sqlite');
  await stop((await timedStart(port, file)).child); // applies the migrations once
  const times = [];
  const cpuTimes = [];
  for (let i = 0; i < RUNS; i++) {
    const { child, ms, cpuMs } = await timedStart(port, file);
    times.push(ms);
    cpuTimes.push(cpuMs);
    await stop(child);
  }
  const { child } = await timedStart(port, file);
  let idle;
  let loaded;
  try {
    await new Promise((r) => setTimeout(r, 2000)); // let start-up garbage be collected
    idle = rssMb(child.pid);
    const base = `http://127.0.0.1:${port}`;
    const token = await benchToken(base, 'bench', 'bench-only-bootstrap-secret-0123456789');
    const headers = { authorization: `Bearer ${token}` };
    const created = await fetch(`${base}/api/v1/users`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Start Up', email: 'startup@example.com' }),
    }).then((r) => r.json());
    await load('load', { url: `${base}/api/v1/users/${created.data.userId}`, headers, duration: LOAD_S }, child);
    loaded = rssMb(child.pid);
  } finally {
    await stop(child);
  }
  const wallMedian = median(times);
  const cpuMedian = median(cpuTimes);
  const markdown = [
    '| measure | value |',
    '|---|---:|',
    `| start → /health/ready 200, median of ${RUNS} (ms) | ${wallMedian.toFixed(0)} |`,
    `| start → ready, slowest (ms) | ${Math.max(...times).toFixed(0)} |`,
    `| server CPU time to ready, median (ms) | ${cpuMedian.toFixed(0)} |`,
    `| RSS idle after start (MB) | ${idle.toFixed(0)} |`,
    `| RSS after ${LOAD_S} s of load (MB) | ${loaded.toFixed(0)} |`,
  ].join('\n');
  return {
    title: `Start-up time and memory (${ENTRY}, SQLite, production mode, migrations already applied)`,
    markdown,
    targets: [
      { what: 'start → ready < 1.5 s (median)', met: wallMedian < 1500 },
      { what: 'RSS idle < 150 MB', met: idle < 150 },
    ],
  };
}
