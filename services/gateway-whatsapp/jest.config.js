module.exports = { ...require('../../jest.preset'), displayName: 'gateway-whatsapp', rootDir: __dirname };
