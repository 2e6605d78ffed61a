import { DataSource } from 'typeorm';
import { loadConfig, processEnv } from '../config/app.config.js';
import { dataSourceOptions } from './database.options.js';
// The root module imports every feature module, which registers its entities and migrations in its
// manifest: the CLI gets exactly the app's list. A glob over compiled *.entity.js files would also find
// entities of modules the app does not load and depend on file names rather than on what the app runs.
import '../app.module.js';

// The TypeORM CLI's data source (`npm run migration:run`): the same options the app uses.
export default new DataSource(dataSourceOptions(loadConfig(processEnv()).database));
