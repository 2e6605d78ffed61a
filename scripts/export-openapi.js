// Writes the served OpenAPI document (GET /docs/openapi.json of the built app) to a file.
import { writeFileSync } from 'node:fs';
import { createApp } from '../dist/src/app.setup.js';
import { loadConfig } from '../dist/src/config/app.config.js';

const out = process.argv[2] ?? 'dist/openapi.json';
const app = await createApp(
  loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    SQLITE_PATH: ':memory:',
    DATABASE_URL: '',
    REDIS_URL: '',
    SANDBOX_ENABLED: 'false',
  }),
);
const res = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/docs/openapi.json' });
if (res.statusCode !== 200) throw new Error(`GET /docs/openapi.json answered ${res.statusCode}`);
writeFileSync(out, JSON.stringify(JSON.parse(res.body), null, 2));
await app.close();
console.log(`wrote ${out}`);
