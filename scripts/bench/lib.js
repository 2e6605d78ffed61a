// Shared helpers for the benchmark suites: pinned child servers, autocannon runs, ratio tables.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';

export const SERVER_CORE = process.env.BENCH_SERVER_CORE ?? '0';
export const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Spawns `launcher… node args` (launcher: a command that execs node in its own process, so the child's
 * pid is node's) and resolves once `readyUrl` answers 200.
 */
export async function startServer(launcher, args, env, readyUrl, { timeoutMs = 30000, pollMs = 200 } = {}) {
  const [command, ...prefix] = launcher;
  const child = spawn(command, [...prefix, process.execPath, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`);
    try {
      const res = await fetch(readyUrl);
      if (res.ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  child.kill('SIGKILL');
  throw new Error(`server not ready at ${readyUrl}: ${stderr}`);
}

/** Starts `node args` pinned to the server core; resolves once `readyUrl` answers 200. */
export function startPinned(args, env, readyUrl, options) {
  return startServer(['taskset', '-c', SERVER_CORE], args, env, readyUrl, options);
}

/** SIGTERM, then SIGKILL if the child has not exited after `killAfterMs`. */
export async function stop(child, { killAfterMs = 10000 } = {}) {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await exited;
  clearTimeout(timer);
}

/** The middle value (the upper one of an even count). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Linux reports process CPU time in clock ticks; 100 per second on every x86_64 kernel we run on.
const CLOCK_TICKS_PER_S = Number(process.env.BENCH_CLK_TCK ?? 100);

/**
 * CPU time (µs) a process and its reaped children have used, and the kernel's part of it: utime + stime +
 * cutime + cstime from /proc/<pid>/stat (stime + cstime for `kernel`). The command name (field 2) may hold
 * spaces, so fields are counted after its ')'.
 */
export function processCpu(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14 → index 11, then stime, cutime, cstime.
  const micros = (indexes) => (indexes.reduce((sum, i) => sum + Number(fields[i]), 0) / CLOCK_TICKS_PER_S) * 1e6;
  return { total: micros([11, 12, 13, 14]), kernel: micros([12, 14]) };
}

/** CPU time (µs) a process and its reaped children have used (user and kernel). */
export const processCpuMicros = (pid) => processCpu(pid).total;

/** Starts counting a child process's CPU time: the returned function gives the µs used since. */
export function cpuMeter(child) {
  const before = processCpuMicros(child.pid);
  return () => processCpuMicros(child.pid) - before;
}

/**
 * One autocannon run; a short warm-up first so JIT and caches settle. With `server` (a child
 * process), the server's CPU time per request is measured over the run, and so is the load
 * generator's own CPU share: on this machine's slow loopback the generator can saturate first,
 * which makes throughput ratios flatter the server, so CPU µs per request is the figure to compare.
 */
export async function load(name, opts, server) {
  const connections = opts.connections ?? CONNECTIONS;
  if (opts.warmupS !== 0) await autocannon({ ...opts, duration: opts.warmupS ?? 2, connections });
  const serverBefore = server ? processCpu(server.pid) : undefined;
  const genBefore = process.cpuUsage();
  const wallBefore = process.hrtime.bigint();
  const r = await autocannon({ ...opts, duration: opts.duration ?? DURATION_S, connections });
  const wallMicros = Number(process.hrtime.bigint() - wallBefore) / 1e3;
  const gen = process.cpuUsage(genBefore);
  const serverAfter = server ? processCpu(server.pid) : undefined;
  const serverMicros = serverAfter && serverAfter.total - serverBefore.total;
  const non2xx = r.non2xx + r.errors + r.timeouts;
  const served = r.requests.total;
  const serverShare = serverMicros === undefined ? undefined : serverMicros / wallMicros;
  const generatorShare = (gen.user + gen.system) / wallMicros;
  return {
    name,
    rps: r.requests.average,
    p50: r.latency.p50,
    p97_5: r.latency.p97_5,
    p99: r.latency.p99,
    non2xx,
    total: served,
    cpuPerRequest: serverMicros === undefined || served === 0 ? undefined : serverMicros / served,
    // The kernel's part (socket calls, and on loopback the client's receive path and its wake-ups).
    kernelPerRequest:
      serverAfter === undefined || served === 0 ? undefined : (serverAfter.kernel - serverBefore.kernel) / served,
    serverShare,
    generatorShare,
    limit: limitOf(serverShare, generatorShare),
  };
}

/** Which side bounded the run: the one whose single core was (nearly) saturated. */
function limitOf(serverShare, generatorShare) {
  if (serverShare === undefined) return generatorShare >= 0.9 ? 'load generator' : 'unknown';
  if (serverShare >= 0.9 && serverShare >= generatorShare) return 'server';
  if (generatorShare >= 0.9) return 'load generator';
  return 'neither (latency-bound)';
}

/** Baseline CPU ÷ case CPU per request: 1.00 is as cheap as the baseline, 0.40 is 2.5× its cost. */
export function cpuRatio(row, baseline) {
  if (!baseline?.cpuPerRequest || !row.cpuPerRequest) return undefined;
  return baseline.cpuPerRequest / row.cpuPerRequest;
}

/** Rows with CPU ratios to `baseline`, and to `second` in an extra column when given. */
export function table(rows, baseline, second) {
  const fmt = (n, d = 0) => (typeof n === 'number' && Number.isFinite(n) ? n.toFixed(d) : '–');
  const pct = (n) => (typeof n === 'number' ? `${(n * 100).toFixed(0)} %` : '–');
  const lines = [
    `| case | req/s | server CPU µs/req | CPU ratio (baseline ÷ case) |${second ? ` CPU ratio to ${second.name} |` : ''} p50 ms | p97.5 ms | p99 ms | errors/non-2xx | req/s ratio | server core / generator core busy | limit |`,
    `|---|---:|---:|---:|${second ? '---:|' : ''}---:|---:|---:|---:|---:|---:|---|`,
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.name} | ${fmt(r.rps)} | ${fmt(r.cpuPerRequest)} | ${fmt(cpuRatio(r, baseline), 2)} |${second ? ` ${fmt(cpuRatio(r, second), 2)} |` : ''} ${fmt(r.p50, 1)} | ${fmt(r.p97_5, 1)} | ${fmt(r.p99, 1)} | ${r.non2xx} | ${baseline ? `${((r.rps / baseline.rps) * 100).toFixed(1)} %` : ''} | ${pct(r.serverShare)} / ${pct(r.generatorShare)} | ${r.limit ?? '–'} |`,
    );
  }
  return lines.join('\n');
}

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A scratch PostgreSQL database named `<prefix>_<pid>` beside BENCH_DATABASE_URL (default: the
 * local `test` database), with `drop()`; undefined when no server answers (the case is skipped).
 */
export async function scratchPostgres(prefix, adminUrl = ADMIN_URL) {
  const name = `${prefix}_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } catch {
    return undefined;
  } finally {
    await admin.end().catch(() => undefined);
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** The environment of an app server under bench: no Redis, no sandbox, on 127.0.0.1:`port`. */
export function benchAppEnv(port, extra) {
  return {
    NODE_ENV: 'development',
    PORT: String(port),
    HOST: '127.0.0.1',
    REDIS_URL: '',
    SANDBOX_ENABLED: 'false',
    ...extra,
  };
}

/** A bearer token from the app at `base` (client credentials; the development bootstrap client by default). */
export async function benchToken(base, clientId = 'bootstrap', clientSecret = 'dev-only-bootstrap-secret') {
  const res = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
  });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${await res.text()}`);
  return (await res.json()).access_token;
}
