// `npm test` runs every project in one jest invocation; integration and e2e specs share one real
// Kafka broker and one per-run PostgreSQL database, prepared by the first project's global setup
// (jest.preset.js) and shared by the others.
const fs = require('node:fs');
const path = require('node:path');

const projectDirs = ['libs', 'libs/channels', 'services', 'tests']
  .flatMap((parent) => (fs.existsSync(path.join(__dirname, parent)) ? fs.readdirSync(path.join(__dirname, parent)).map((name) => path.join(parent, name)) : []))
  .filter((dir) => fs.existsSync(path.join(__dirname, dir, 'jest.config.js')));

module.exports = {
  projects: projectDirs.map((dir) => `<rootDir>/${dir}/jest.config.js`),
  testTimeout: 60_000,
};
