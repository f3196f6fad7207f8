module.exports = { ...require('../../jest.preset'), displayName: 'gateway-twitter', rootDir: __dirname };
