module.exports = { ...require("../../jest.preset"), displayName: "gateway-kit", rootDir: __dirname };
