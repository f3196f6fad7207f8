module.exports = { ...require("../../jest.preset"), displayName: "channel-sdk", rootDir: __dirname };
