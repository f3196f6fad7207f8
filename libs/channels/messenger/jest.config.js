module.exports = { ...require('../../../jest.preset'), displayName: 'channel-messenger', rootDir: __dirname };
