module.exports = { ...require('../../jest.preset'), displayName: 'crm-webhooks', rootDir: __dirname };
