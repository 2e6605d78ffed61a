// The same e2e suites against PostgreSQL and Redis on 127.0.0.1 (see test/setup-env.ts), the suites that
// need PostgreSQL (*.pg-spec.ts), and the outage drills, which start PostgreSQL and Redis of their own
// (test/drills/*.drill-spec.ts: initdb, pg_ctl and redis-server on the PATH).
import { base } from './jest.config.js';

process.env.TEST_BACKEND = 'pg';
export default {
  ...base,
  testMatch: [
    '<rootDir>/src/**/*.e2e-spec.ts',
    '<rootDir>/test/**/*.e2e-spec.ts',
    '<rootDir>/test/**/*.redis-spec.ts',
    '<rootDir>/test/**/*.pg-spec.ts',
    '<rootDir>/test/drills/*.drill-spec.ts',
  ],
};
