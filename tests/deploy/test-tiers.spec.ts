/**
 * The test tiers: `npm run test:unit` (jest.unit.config.js) runs every project's pure specs with no
 * Kafka/PostgreSQL global setup; `npm test` (jest.config.js) runs every tier on real infrastructure.
 */
import { join } from 'node:path';

const root = join(__dirname, '../..');
const all = require(join(root, 'jest.config.js')) as { projects: string[] };
const unit = require(join(root, 'jest.unit.config.js')) as { projects: Array<{ displayName: string; rootDir: string; testMatch: string[]; globalSetup?: string }> };

describe('test tiers', () => {
  it('the unit tier covers every project of the full run', () => {
    expect(unit.projects.map((p) => join(p.rootDir, 'jest.config.js')).sort()).toEqual(all.projects.map((p) => p.replace('<rootDir>', root)).sort());
  });

  it.each(unit.projects.map((p) => [p.displayName, p] as const))('%s: pure specs only, no infrastructure setup', (_name, project) => {
    expect(project.globalSetup).toBeUndefined();
    expect(project.testMatch.every((pattern) => pattern.endsWith('*.spec.ts'))).toBe(true);
  });

  it('the full run still starts the real infrastructure for integration and e2e specs', () => {
    const preset = require(join(root, 'jest.preset.js')) as { globalSetup: string; testMatch: string[] };
    expect(preset.globalSetup).toMatch(/global-setup\.ts$/);
    expect(preset.testMatch).toEqual(expect.arrayContaining(['<rootDir>/src/**/*.int-spec.ts', '<rootDir>/src/**/*.e2e-spec.ts']));
  });
});
