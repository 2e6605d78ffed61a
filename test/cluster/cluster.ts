import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import { waitFor } from '../support/wait.js';

export const ADMIN_DB = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const BOOTSTRAP = { id: 'cluster-bootstrap', secret: 'cluster-bootstrap-secret-0123' };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function createDatabase(): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `cluster_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_DB });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_DB);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: ADMIN_DB });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface Instance {
  name: string;
  port: number;
  url: string;
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts the BUILT app (`dist/bundle/main.js`, the bundle) as its own process, as a container would. */
export function startInstance(name: string, port: number, env: Record<string, string>): Instance {
  const child = spawn(process.execPath, ['dist/bundle/main.js'], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SANDBOX_ENABLED: 'false',
      AUTH_BOOTSTRAP_CLIENT_ID: BOOTSTRAP.id,
      AUTH_BOOTSTRAP_CLIENT_SECRET: BOOTSTRAP.secret,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { name, port, url: `http://127.0.0.1:${port}`, process: child, output: () => output, exited };
}

export async function waitReady(instance: Instance, timeoutMs = 30_000): Promise<void> {
  // A refused connection (not listening yet) is a "not yet"; an exit ends the wait at once.
  const outcome = await waitFor(
    async () =>
      instance.process.exitCode !== null
        ? 'exited'
        : (await fetch(`${instance.url}/health/ready`)).status === 200 && 'ready',
    { what: `${instance.name} ready`, timeoutMs, intervalMs: 100 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}:\n${instance.output()}`);
  });
  if (outcome === 'exited') throw new Error(`${instance.name} exited:\n${instance.output()}`);
}

export async function stopInstance(instance: Instance, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (instance.process.exitCode !== null || instance.process.signalCode !== null) return;
  instance.process.kill(signal);
  const timer = setTimeout(() => instance.process.kill('SIGKILL'), 15_000);
  await instance.exited;
  clearTimeout(timer);
}

export async function token(instance: Instance, scope?: string): Promise<string> {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: BOOTSTRAP.id,
    client_secret: BOOTSTRAP.secret,
  });
  if (scope) body.set('scope', scope);
  const res = await fetch(`${instance.url}/oauth/token`, { method: 'POST', body });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export interface Cluster {
  instances: Instance[];
  sql: pg.Client;
  bearer: string;
}

/** Three instances started together on `env` (migrations must then run once), plus a SQL client. */
export async function startCluster(name: string, env: Record<string, string>, databaseUrl: string): Promise<Cluster> {
  const ports = await Promise.all([freePort(), freePort(), freePort()]);
  const instances = ports.map((port, i) => startInstance(`${name}-${i}`, port, env));
  await Promise.all(instances.map((i) => waitReady(i)));
  const sql = new pg.Client({ connectionString: databaseUrl });
  await sql.connect();
  return { instances, sql, bearer: `Bearer ${await token(instances[0])}` };
}

/** Kills the instances, and drops the database and every Redis key under `prefix`. */
export async function stopCluster(
  cluster: Cluster | undefined,
  db: { drop: () => Promise<void> } | undefined,
  prefix: string,
): Promise<void> {
  await Promise.all((cluster?.instances ?? []).map((i) => stopInstance(i, 'SIGKILL')));
  await cluster?.sql.end();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  await db?.drop();
}
