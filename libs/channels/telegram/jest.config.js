module.exports = { ...require('../../../jest.preset'), displayName: 'channel-telegram', rootDir: __dirname };
