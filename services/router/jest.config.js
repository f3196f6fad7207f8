module.exports = { ...require('../../jest.preset'), displayName: 'router', rootDir: __dirname };
