module.exports = { ...require("../../../jest.preset"), displayName: "channel-twitter", rootDir: __dirname };
