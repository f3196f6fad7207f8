// Shared jest settings for every project: swc for speed (keeps decorator metadata for Nest and
// TypeORM), @omni/* imports resolved to the libraries' TypeScript sources.
const path = require('node:path');
const fs = require('node:fs');
const swcrc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));

module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false, sourceMaps: 'inline' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@omni/channel-sdk/testing$': path.join(__dirname, 'libs/channel-sdk/src/testing/index.ts'),
    '^@omni/channel-(messenger|whatsapp|twitter|sms)$': path.join(__dirname, 'libs/channels/$1/src/index.ts'),
    '^@omni/([a-z-]+)$': path.join(__dirname, 'libs/$1/src/index.ts'),
  },
};
