// `npm run test:unit`: the pure tier. Every project's `*.spec.ts` (table-driven logic, channel
// specs, the conformance kit, fakes over local HTTP), without the global setup that starts Kafka
// and prepares PostgreSQL: no infrastructure needed, seconds instead of minutes. Integration
// (`*.int-spec.ts`) and end-to-end (`*.e2e-spec.ts`) specs keep the real Kafka and PostgreSQL
// and run with `npm test` (jest.config.js), which still runs every tier.
const path = require('node:path');
const { projects } = require('./jest.config');

module.exports = {
  projects: projects.map((entry) => {
    const file = entry.replace('<rootDir>', __dirname);
    const { globalSetup: _setup, globalTeardown: _teardown, ...config } = require(file);
    return { ...config, rootDir: path.dirname(file), testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/*.spec.ts'] };
  }),
  testTimeout: 60_000,
};
