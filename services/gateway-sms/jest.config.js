module.exports = { ...require('../../jest.preset'), displayName: 'gateway-sms', rootDir: __dirname };
