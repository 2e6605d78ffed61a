// Shared helpers for the benchmark suites: pinned child servers, autocannon runs, ratio tables.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

export const SERVER_CORE = process.env.BENCH_SERVER_CORE ?? '0';
export const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts `node args` pinned to the server core; resolves once `readyUrl` answers 200. */
export async function startPinned(args, env, readyUrl, { timeoutMs = 30000 } = {}) {
  const child = spawn('taskset', ['-c', SERVER_CORE, process.execPath, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`);
    try {
      const res = await fetch(readyUrl);
      if (res.ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`server not ready at ${readyUrl}: ${stderr}`);
}

export async function stop(child) {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
  await exited;
  clearTimeout(timer);
}

/** One autocannon run; a short warm-up first so JIT and caches settle. */
export async function load(name, opts) {
  await autocannon({ ...opts, duration: 2, connections: CONNECTIONS });
  const r = await autocannon({ ...opts, duration: DURATION_S, connections: CONNECTIONS });
  const non2xx = r.non2xx + r.errors + r.timeouts;
  return {
    name,
    rps: r.requests.average,
    p50: r.latency.p50,
    p97_5: r.latency.p97_5,
    p99: r.latency.p99,
    non2xx,
    total: r.requests.total,
  };
}

export function table(rows, baseline) {
  const fmt = (n, d = 0) => (typeof n === 'number' ? n.toFixed(d) : String(n));
  const lines = [
    '| case | req/s | p50 ms | p97.5 ms | p99 ms | errors/non-2xx | ratio to baseline |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.name} | ${fmt(r.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p97_5, 1)} | ${fmt(r.p99, 1)} | ${r.non2xx} | ${baseline ? `${((r.rps / baseline.rps) * 100).toFixed(1)} %` : ''} |`,
    );
  }
  return lines.join('\n');
}
