module.exports = { ...require('../../../jest.preset'), displayName: 'channel-whatsapp', rootDir: __dirname };
