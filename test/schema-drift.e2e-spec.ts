import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/app.config.js';
import { dataSourceOptions, runMigrations } from '../src/database/database.options.js';
// As in the CLI's data source (src/database/data-source.ts): importing the root module registers every feature
// module, generated ones included, so the entity and migration lists are the app's.
import '../src/app.module.js';
import { isolatedDatabase } from './helpers/test-app.js';

/**
 * Entities and migrations describe the same schema: after every migration, what TypeORM would change to match
 * the entities (`npm run migration:generate`'s output) is nothing. Otherwise the next team to generate a
 * migration gets these changes mixed into its own. SQLite under `npm test`, PostgreSQL under `npm run test:pg`.
 */
describe('schema drift', () => {
  let drop: () => Promise<void> = async () => undefined;
  let dataSource: DataSource | undefined;

  afterAll(async () => {
    await dataSource?.destroy();
    await drop();
  });

  it('leaves nothing for migration:generate once the migrations have run', async () => {
    const db = await isolatedDatabase();
    drop = db.drop;
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...db.env });
    dataSource = await new DataSource(dataSourceOptions(config.database)).initialize();
    await runMigrations(dataSource);
    expect(dataSource.entityMetadatas.map((m) => m.tableName)).toEqual(
      expect.arrayContaining(['users', 'api_clients', 'payments', 'webhook_events', 'email_messages']),
    );

    const { upQueries } = await dataSource.driver.createSchemaBuilder().log();
    // The statements themselves are the failure message: they say which entity or migration to correct.
    expect(upQueries.map((q) => q.query)).toEqual([]);
  });
});
