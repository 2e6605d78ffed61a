// The app in child processes (test/support/webhook-app-child.ts run through ts-loader.mjs), for tests that
// need several processes on one database or a process killed outright.
import { spawn, type ChildProcess } from 'node:child_process';
import { BOOTSTRAP } from '../helpers/test-app.js';
import { waitFor } from './wait.js';

export interface Child {
  process: ChildProcess;
  base: string;
  stderr: () => string;
}

/**
 * How long a child may take to listen. Three children type-checking nothing but loading the whole app at
 * once on a busy 2-core machine took 22-31 s; the wait ends as soon as the port line comes, so a generous
 * budget costs nothing when the machine is idle. TEST_CHILD_START_MS overrides it.
 */
export const CHILD_START_BUDGET_MS = Number(process.env.TEST_CHILD_START_MS ?? 120_000);

/** Children not yet reaped: killed (their whole process group) if the test process exits first. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) signalGroup(child, 'SIGKILL');
});

/**
 * Starts the app in a child process (test/support/webhook-app-child.ts) and waits for its port. The child
 * is pushed onto `started` as soon as it is spawned, so the caller's afterAll reaps it even when this start
 * (or a sibling's in a Promise.all) fails; a child that does not come up is killed before the error.
 */
export async function startChild(env: Record<string, string>, started: Child[]): Promise<Child> {
  const child = spawn(
    process.execPath,
    ['--import', './test/support/ts-loader.mjs', 'test/support/webhook-app-child.ts'],
    // Its own process group: killing the group reaps anything it started too.
    { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  live.add(child);
  child.once('exit', () => live.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const handle: Child = { process: child, base: '', stderr: () => stderr };
  started.push(handle);
  try {
    const port = await waitFor(
      () => {
        // An exit ends the wait at once (-1); the port line may come after log lines.
        if (child.exitCode !== null) return -1;
        const line = stdout.split('\n').find((l) => l.startsWith('{"port":'));
        return line ? (JSON.parse(line) as { port: number }).port : undefined;
      },
      { what: 'the child app to listen', timeoutMs: CHILD_START_BUDGET_MS },
    );
    if (port === -1) throw new Error(`child exited ${child.exitCode}: ${stderr}`);
    handle.base = `http://127.0.0.1:${port}`;
    return handle;
  } catch (error) {
    await kill(handle, 'SIGKILL');
    throw error;
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** Signals the child's process group and waits for the child to exit (SIGKILL after 10 s). */
export async function kill(child: Child | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = new Promise((resolve) => child.process.once('exit', resolve));
  signalGroup(child.process, signal);
  const timer = setTimeout(() => signalGroup(child.process, 'SIGKILL'), 10000);
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
