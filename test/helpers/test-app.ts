import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent.js';
import type { AppExtras } from '../../src/app.module.js';
import { createApp } from '../../src/app.setup.js';
import { loadConfig, type AppConfig } from '../../src/config/app.config.js';

export const BOOTSTRAP = { id: 'test-bootstrap', secret: 'test-bootstrap-secret-0123456789' };

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  http: TestAgent;
  /** A bearer token of the bootstrap client, narrowed to `scopes` when given. */
  token(scopes?: string[]): Promise<string>;
  close(): Promise<void>;
}

const usePg = () => process.env.TEST_BACKEND === 'pg';

/** A fresh PostgreSQL database per app under `npm run test:pg`; SQLite in memory otherwise. */
export async function isolatedDatabase(): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  if (!usePg()) return { env: { SQLITE_PATH: ':memory:', DATABASE_URL: '' }, drop: async () => undefined };
  const admin = process.env.TEST_DATABASE_URL!;
  const name = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString(), REDIS_URL: process.env.TEST_REDIS_URL!, REDIS_KEY_PREFIX: `${name}:` },
    drop: async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Builds the app exactly as main.ts does (createApp → configureApp), with isolated state. */
export async function startTestApp(env: Record<string, string> = {}, extras: AppExtras = {}): Promise<TestApp> {
  const db = await isolatedDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    SANDBOX_ENABLED: 'false',
    AUTH_BOOTSTRAP_CLIENT_ID: BOOTSTRAP.id,
    AUTH_BOOTSTRAP_CLIENT_SECRET: BOOTSTRAP.secret,
    RATE_LIMIT_PER_MINUTE: '100000',
    ...db.env,
    ...env,
  });
  const app = await createApp(config, extras);
  const http = request(app.getHttpServer());
  const tokens = new Map<string, string>();
  return {
    app,
    config,
    http,
    async token(scopes?: string[]) {
      const key = scopes?.join(' ') ?? '*';
      const cached = tokens.get(key);
      if (cached) return cached;
      const res = await request(app.getHttpServer())
        .post('/oauth/token')
        .type('form')
        .send({
          grant_type: 'client_credentials',
          client_id: BOOTSTRAP.id,
          client_secret: BOOTSTRAP.secret,
          ...(scopes ? { scope: scopes.join(' ') } : {}),
        });
      if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${JSON.stringify(res.body)}`);
      const token = (res.body as { access_token: string }).access_token;
      tokens.set(key, token);
      return token;
    },
    async close() {
      await app.close();
      await db.drop();
    },
  };
}
