module.exports = { ...require('../../jest.preset'), displayName: 'assignment', rootDir: __dirname };
