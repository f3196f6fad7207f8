module.exports = { ...require('../../jest.preset'), displayName: 'normalizer', rootDir: __dirname };
