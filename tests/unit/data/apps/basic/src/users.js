exports.handlers = {
  list: async () => ({ statusCode: 200, body: "[]" }),
};
