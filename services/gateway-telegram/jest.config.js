module.exports = { ...require('../../jest.preset'), displayName: 'gateway-telegram', rootDir: __dirname };
