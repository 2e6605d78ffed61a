// The app in child processes (test/support/webhook-app-child.ts run through ts-loader.mjs), for tests that
// need several processes on one database or a process killed outright.
import { spawn, type ChildProcess } from 'node:child_process';
import { BOOTSTRAP } from '../helpers/test-app.js';
import { eventually } from './webhook-deliveries.js';

export interface Child {
  process: ChildProcess;
  base: string;
  stderr: () => string;
}

/** Starts the app in a child process (test/support/webhook-app-child.ts) and waits for its port. */
export async function startChild(env: Record<string, string>): Promise<Child> {
  const child = spawn(
    process.execPath,
    ['--import', './test/support/ts-loader.mjs', 'test/support/webhook-app-child.ts'],
    { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`child exited ${child.exitCode}: ${stderr}`);
      // The port line; log lines may come before it.
      const line = stdout.split('\n').find((l) => l.startsWith('{"port":'));
      return line ? (JSON.parse(line) as { port: number }).port : undefined;
    },
    20000,
    'the child app to listen',
  );
  return { process: child, base: `http://127.0.0.1:${port}`, stderr: () => stderr };
}

export async function kill(child: Child | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = new Promise((resolve) => child.process.once('exit', resolve));
  child.process.kill(signal);
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 10000);
  await exited;
  clearTimeout(timer);
}

export async function token(base: string): Promise<string> {
  const res = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: BOOTSTRAP.id,
      client_secret: BOOTSTRAP.secret,
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}
