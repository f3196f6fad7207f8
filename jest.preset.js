// Shared jest settings for every project: swc for speed (keeps decorator metadata for Nest and
// TypeORM), @omni/* imports resolved to the libraries' TypeScript sources.
const path = require('node:path');
const fs = require('node:fs');
const swcrc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));

module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.int-spec.ts', '<rootDir>/src/**/*.e2e-spec.ts', '<rootDir>/*.spec.ts'],
  // Running one project's jest config alone still gets the real test environment.
  globalSetup: path.join(__dirname, 'libs/testing/src/env/global-setup.ts'),
  globalTeardown: path.join(__dirname, 'libs/testing/src/env/global-teardown.ts'),
  testTimeout: 60_000,
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false, sourceMaps: 'inline' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@omni/channel-sdk/testing$': path.join(__dirname, 'libs/channel-sdk/src/testing/index.ts'),
    // Every channel library and gateway by naming convention: a new channel needs no line here.
    '^@omni/channel-(?!sdk$)([a-z0-9-]+)$': path.join(__dirname, 'libs/channels/$1/src/index.ts'),
    '^@omni/(normalizer|router|window-policy|assignment|crm-webhooks|gateway-(?!kit$)[a-z0-9-]+)$': path.join(__dirname, 'services/$1/src/index.ts'),
    '^@omni/([a-z-]+)$': path.join(__dirname, 'libs/$1/src/index.ts'),
  },
};
