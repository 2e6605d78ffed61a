// Jest runs in ESM mode (NestJS 12 ships only ES modules); @swc/jest keeps decorator metadata.
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

export const base = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', swc],
    // @fastify/static (CommonJS) requires the ESM-only content-disposition, and light-my-request
    // (fastify.inject) the ESM-only cookie; Jest on Node 20 cannot require() ESM, so those packages
    // are compiled to CommonJS for tests.
    '/node_modules/(content-disposition|cookie)/.+\\.js$': ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition|cookie)/)'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  testTimeout: 30000,
};

export default {
  ...base,
  // Two workers: the files share nothing (in-memory SQLite per app, port 0, temp dirs). A worker is
  // replaced once it holds 1 GB after a file: Jest's ESM module registries are not freed between files,
  // and one process running every file grew to 3.5 GB and spent its time collecting garbage.
  maxWorkers: 2,
  workerIdleMemoryLimit: '1GB',
  // A generated module keeps its e2e spec in its folder (src/modules/<name>/<name>.e2e-spec.ts).
  testMatch: [
    '<rootDir>/src/**/*.spec.ts',
    '<rootDir>/src/**/*.e2e-spec.ts',
    '<rootDir>/scripts/**/*.spec.ts',
    '<rootDir>/test/**/*.e2e-spec.ts',
  ],
};
