// The same e2e suites against PostgreSQL and Redis on 127.0.0.1 (see test/setup-env.ts).
import { base } from './jest.config.js';

process.env.TEST_BACKEND = 'pg';
export default {
  ...base,
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts', '<rootDir>/test/**/*.e2e-spec.ts', '<rootDir>/test/**/*.redis-spec.ts'],
};
