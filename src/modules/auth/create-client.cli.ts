// `npm run client:create -- <client-id> "<scope> <scope>…" [--rotate]`: registers an API client
// against the configured database (DATABASE_URL or SQLITE_PATH) and prints its secret once.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConfigValidationError, loadConfig, processEnv } from '../../config/app.config.js';
import { dataSourceOptions, runMigrations } from '../../database/database.options.js';
import { ClientRegistrationError, registerClient } from './api-clients.js';
import { ApiClient } from './entities/api-client.entity.js';

const args = process.argv.slice(2);
const rotate = args.includes('--rotate');
const [clientId, scopeList] = args.filter((a) => a !== '--rotate');
if (!clientId || !scopeList) {
  console.error('usage: npm run client:create -- <client-id> "<scope> <scope>…" [--rotate]');
  process.exit(2);
}
let dataSource: DataSource | undefined;
try {
  // Only the entity it writes: loading the Nest modules that declare entities (their manifests) would
  // double the start-up time of a one-shot command.
  const options = dataSourceOptions(loadConfig(processEnv()).database);
  dataSource = await new DataSource({ ...options, entities: [ApiClient] }).initialize();
  await runMigrations(dataSource);
  const client = await registerClient(dataSource, { clientId, scopes: scopeList.split(/\s+/).filter(Boolean), rotate });
  console.log(JSON.stringify(client, null, 2));
  console.error('Store the secret now: only its hash is kept.');
} catch (error) {
  if (!(error instanceof ClientRegistrationError || error instanceof ConfigValidationError)) throw error;
  console.error(error.message);
  process.exitCode = 2;
} finally {
  await dataSource?.destroy();
}
