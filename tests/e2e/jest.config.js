module.exports = { ...require('../../jest.preset'), displayName: 'e2e', rootDir: __dirname };
