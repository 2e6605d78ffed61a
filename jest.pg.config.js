// The same e2e suites against PostgreSQL and Redis on 127.0.0.1 (see test/setup-env.ts), the suites that
// need PostgreSQL (*.pg-spec.ts), and the outage drills, which start PostgreSQL and Redis of their own
// (test/drills/*.drill-spec.ts: initdb, pg_ctl and redis-server on the PATH).
import { base } from './jest.config.js';

process.env.TEST_BACKEND = 'pg';
export default {
  ...base,
  // Two workers, as under SQLite: every app gets its own database and Redis key prefix
  // (test/helpers/test-app.ts) and the drill its own servers on free ports, so files share nothing.
  // In band the run took ~400 s of CI's 20-minute budget; with two workers ~225 s. Pools open their
  // connections lazily, so two workers stay far below PostgreSQL's default 100 connections.
  maxWorkers: 2,
  workerIdleMemoryLimit: '1GB',
  testMatch: [
    '<rootDir>/src/**/*.e2e-spec.ts',
    '<rootDir>/test/**/*.e2e-spec.ts',
    '<rootDir>/test/**/*.redis-spec.ts',
    '<rootDir>/test/**/*.pg-spec.ts',
    '<rootDir>/test/drills/*.drill-spec.ts',
  ],
};
