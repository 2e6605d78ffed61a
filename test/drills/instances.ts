// Private PostgreSQL and Redis servers for the outage drills: own ports, own temp dirs, stopped by pid.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../cluster/cluster.js';
import { waitFor } from '../support/wait.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Sends `signal` to `pid` and waits for it to exit; SIGKILL after the grace time. */
async function stopPid(pid: number, signal: NodeJS.Signals): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, signal);
  try {
    await waitFor(async () => !alive(pid), { what: `pid ${pid} exits`, timeoutMs: 15_000, intervalMs: 100 });
  } catch {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    await waitFor(async () => !alive(pid), { what: `pid ${pid} killed`, timeoutMs: 5_000, intervalMs: 100 });
  }
}

/** A command line that runs as `postgres` when we are root (initdb refuses root). */
function asPostgres(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

export class PostgresInstance {
  private pid: number | null = null;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async create(): Promise<PostgresInstance> {
    const dir = mkdtempSync(join(tmpdir(), 'nig-drill-pg-'));
    if (process.getuid?.() === 0) {
      const ids = execFileSync('id', ['-u', 'postgres']).toString().trim();
      const gid = execFileSync('id', ['-g', 'postgres']).toString().trim();
      chownSync(dir, Number(ids), Number(gid));
    }
    const [cmd, args] = asPostgres('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
    execFileSync(cmd, args, { stdio: 'ignore' });
    const instance = new PostgresInstance(dir, await freePort());
    await instance.start();
    return instance;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    const data = join(this.dir, 'data');
    const [cmd, args] = asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', join(this.dir, 'log'), '-w', 'start']);
    execFileSync(cmd, args, { stdio: 'ignore' });
    this.pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  }

  /** Fast shutdown (SIGINT): sessions are terminated, as `pg_ctl stop -m fast` does. */
  async stop(): Promise<void> {
    if (this.pid !== null) await stopPid(this.pid, 'SIGINT');
    this.pid = null;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class RedisInstance {
  private child: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  static async create(): Promise<RedisInstance> {
    const instance = new RedisInstance(await freePort());
    await instance.start();
    return instance;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    this.child = spawn('redis-server', args, { stdio: 'ignore' });
    await waitFor(() => this.ping(), { what: 'redis answers PING', timeoutMs: 30_000, intervalMs: 100 });
  }

  async stop(): Promise<void> {
    const pid = this.child?.pid;
    this.child = null;
    if (pid !== undefined) await stopPid(pid, 'SIGTERM');
  }

  private ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = new Socket();
      socket.setTimeout(1000, () => socket.destroy());
      socket.once('error', () => resolve(false));
      socket.once('close', () => resolve(false));
      socket.once('data', (data) => {
        resolve(data.toString().startsWith('+PONG'));
        socket.destroy();
      });
      socket.connect(this.port, '127.0.0.1', () => socket.write('PING\r\n'));
    });
  }
}
