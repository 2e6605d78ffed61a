// The server as the image runs it: `npm run build` bundles dist/src into dist/bundle (scripts/bundle.js,
// esbuild), and `node dist/bundle/main.js` is what starts. The other e2e tests run the sources, so this
// one builds its own bundle from the current sources (in dist/, beside nothing it could overwrite) and
// starts it as a child process: ready, a token, validation, a user created and patched, the same
// OpenAPI document the sources serve, and no second copy of a bundled package loaded from node_modules.
import { execFile, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { BOOTSTRAP } from './helpers/test-app.js';
import { kill, token, type Child } from './support/child-app.js';
import { defaultDocument } from './support/openapi.js';
import { waitFor } from './support/wait.js';

const run = promisify(execFile);
const OUT = `dist/bundle-spec-${process.pid}`;
// tsc of the whole service, then esbuild: minutes on a busy 2-core machine; the waits end when done.
const BUILD_BUDGET_MS = 600_000;

// The environment of defaultDocument() (test/support/openapi.ts), so both serve the same document; the
// log level shows the "listening on" line the port is read from.
const ENV = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'info',
  SQLITE_PATH: ':memory:',
  DATABASE_URL: '',
  REDIS_URL: '',
  SANDBOX_ENABLED: 'false',
  HOST: '127.0.0.1',
  PORT: '0',
  AUTH_BOOTSTRAP_CLIENT_ID: BOOTSTRAP.id,
  AUTH_BOOTSTRAP_CLIENT_SECRET: BOOTSTRAP.secret,
  SHUTDOWN_DRAIN_MS: '0',
};

// Prints, as the process exits, every CommonJS file it loaded (Module._cache, which the bundle's own
// `require` for what it leaves to Node fills too).
const REPORT_LOADED = `import Module from 'node:module';
process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(Object.keys(Module._cache)) + '\\n'));`;
// Packages the bundle contains: loaded again from node_modules (a `createRequire` esbuild cannot see),
// they would be a second TypeORM, an empty class-transformer metadata storage, hundreds of files more.
const BUNDLED = [
  'typeorm',
  'class-validator',
  'class-transformer',
  'validator',
  'libphonenumber-js',
  'reflect-metadata',
  'rxjs',
  'fastify',
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/swagger',
];

describe('the bundled server (dist/bundle/main.js)', () => {
  let server: Child | undefined;
  let stdout = '';

  beforeAll(async () => {
    rmSync(OUT, { recursive: true, force: true });
    await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', OUT]);
    await run(process.execPath, ['scripts/bundle.js', OUT]);
    // Its own process group (detached), so kill() reaps it whatever happens.
    const preload = `data:text/javascript,${encodeURIComponent(REPORT_LOADED)}`;
    const child = spawn(process.execPath, ['--import', preload, `${OUT}/bundle/main.js`], {
      env: { PATH: process.env.PATH ?? '', ...ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    server = { process: child, base: '', stderr: () => stderr };
    server.base = await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`the bundle exited ${child.exitCode}: ${stderr}`);
        return /listening on (http:\/\/[\d.:]+)/.exec(stdout)?.[1];
      },
      { what: 'the bundle to listen', timeoutMs: BUILD_BUDGET_MS },
    );
  }, 2 * BUILD_BUDGET_MS);

  afterAll(async () => {
    await kill(server, 'SIGTERM');
    rmSync(OUT, { recursive: true, force: true });
  });

  it('is ready, and ran the migrations on start', async () => {
    const res = await fetch(`${server!.base}/health/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it('issues a token, validates a body and creates and patches a user', async () => {
    const bearer = await token(server!.base);
    expect(bearer).toEqual(expect.any(String));
    const headers = { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' };
    const users = `${server!.base}/api/v1/users`;

    const invalid = await fetch(users, { method: 'POST', headers, body: JSON.stringify({ name: '', email: 'x' }) });
    expect(invalid.status).toBe(400);
    const problem = (await invalid.json()) as { errors: { field: string; code: string }[] };
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'name', code: 'minLength' }),
        expect.objectContaining({ field: 'email', code: 'isEmail' }),
      ]),
    );

    const body = JSON.stringify({ name: 'Bundle Check', email: 'bundle@example.com' });
    const created = await fetch(users, { method: 'POST', headers, body });
    expect(created.status).toBe(201);
    const { data } = (await created.json()) as { data: { userId: string; name: string } };
    expect(data.name).toBe('Bundle Check');

    const patched = await fetch(`${users}/${data.userId}`, {
      method: 'PATCH',
      headers: { ...headers, 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ name: 'Bundle Patched' }),
    });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as { data: { name: string } }).data.name).toBe('Bundle Patched');
  });

  it('serves the OpenAPI document the sources serve, and Swagger UI', async () => {
    const res = await fetch(`${server!.base}/docs/openapi.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(await defaultDocument());
    // Read to the end: a response left unread holds its connection open, and the server's close waits for it.
    const css = await fetch(`${server!.base}/docs/swagger-ui.css`);
    expect(css.status).toBe(200);
    expect((await css.text()).length).toBeGreaterThan(0);
  });

  // Last: it stops the server.
  it('loads from node_modules only what it leaves to Node, no second copy of a bundled package', async () => {
    await kill(server, 'SIGTERM');
    // The child's exit can come before the last of its stderr.
    const loaded = await waitFor(() => /^LOADED (.*)$/m.exec(server!.stderr())?.[1], {
      what: 'the list of files the bundle loaded',
    });
    const packages = (JSON.parse(loaded) as string[]).map(
      (file) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1],
    );
    expect(packages).toContain('better-sqlite3');
    expect([...new Set(packages.filter((name) => name !== undefined && BUNDLED.includes(name)))]).toEqual([]);
  });
});
