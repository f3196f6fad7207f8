module.exports = { ...require('../../jest.preset'), displayName: 'gateway-messenger', rootDir: __dirname };
