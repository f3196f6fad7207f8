module.exports = { ...require('../../jest.preset'), displayName: 'window-policy', rootDir: __dirname };
