module.exports = { ...require("../../../jest.preset"), displayName: "channel-sms", rootDir: __dirname };
