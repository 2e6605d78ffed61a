import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { ClientRegistrationError, registerClient } from '../src/modules/auth/api-clients.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { CHILD_START_BUDGET_MS } from './support/child-app.js';

const run = promisify(execFile);

describe('registering API clients (npm run client:create)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  const token = (clientId: string, clientSecret: string, scope?: string) =>
    t.http
      .post('/oauth/token')
      .type('form')
      .send({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
        ...(scope ? { scope } : {}),
      });

  it('creates a client that gets tokens with its own scopes only', async () => {
    const client = await registerClient(t.app.get(DataSource), { clientId: 'reporting', scopes: ['users:read'] });
    const ok = await token(client.clientId, client.clientSecret).expect(200);
    expect((ok.body as { scope: string }).scope).toBe('users:read');
    const users = await t.http
      .get('/api/v1/users')
      .set('authorization', `Bearer ${(ok.body as { access_token: string }).access_token}`);
    expect(users.status).toBe(200);
    const write = await t.http
      .post('/api/v1/users')
      .set('authorization', `Bearer ${(ok.body as { access_token: string }).access_token}`)
      .send({ name: 'No', email: 'no@example.com' });
    expect(write.status).toBe(403);
    await token(client.clientId, 'wrong-secret-0123456789').expect(401);
  });

  it('rotates a secret: the old one stops working', async () => {
    const first = await registerClient(t.app.get(DataSource), { clientId: 'rotating', scopes: ['users:read'] });
    const second = await registerClient(t.app.get(DataSource), {
      clientId: 'rotating',
      scopes: ['users:read'],
      rotate: true,
    });
    await token('rotating', first.clientSecret).expect(401);
    await token('rotating', second.clientSecret).expect(200);
  });

  it('refuses unknown scopes, bad ids and a second client with the same id', async () => {
    const ds = t.app.get(DataSource);
    await expect(registerClient(ds, { clientId: 'x1', scopes: ['users:read'] })).rejects.toThrow(
      ClientRegistrationError,
    );
    await expect(registerClient(ds, { clientId: 'nope', scopes: ['root'] })).rejects.toThrow(/unknown: root/);
    await registerClient(ds, { clientId: 'twice', scopes: ['users:read'] });
    await expect(registerClient(ds, { clientId: 'twice', scopes: ['users:read'] })).rejects.toThrow(/--rotate/);
  });

  it(
    'works from the command line against a SQLite file',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'client-cli-'));
      try {
        const env = { ...process.env, SQLITE_PATH: join(dir, 'cli.sqlite'), DATABASE_URL: '', LOG_LEVEL: 'silent' };
        const cli = [
          '--import',
          './test/support/ts-loader.mjs',
          '--no-warnings',
          'src/modules/auth/create-client.cli.ts',
        ];
        const { stdout } = await run(process.execPath, [...cli, 'cli-client', 'users:read payments:read'], { env });
        expect(JSON.parse(stdout)).toEqual({
          clientId: 'cli-client',
          clientSecret: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/) as unknown,
          scopes: ['users:read', 'payments:read'],
        });
        await expect(run(process.execPath, [...cli, 'cli-client', 'users:read'], { env })).rejects.toMatchObject({
          code: 2,
          stderr: expect.stringContaining('--rotate') as unknown,
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    // Two child processes, each loading the app's modules on a busy machine: the children's budget.
    2 * CHILD_START_BUDGET_MS,
  );
});
