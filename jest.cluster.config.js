// npm run test:cluster: several built app processes on one PostgreSQL and one Redis (127.0.0.1).
import { base } from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/test/cluster/**/*.cluster-spec.ts'],
  testTimeout: 120000,
};
