// The resolve hook preload.cjs registers (module.register) for an ES module handler on Node
// versions without module.registerHooks: import does not read NODE_PATH, so a bare specifier of
// the runtime's SDK that the app's own node_modules do not have resolves from the SDK's cache.
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

let data;
let sdk;

export function initialize(d) {
  data = d;
}

export async function resolve(specifier, context, next) {
  const isSdk = specifier === "aws-sdk" || specifier.startsWith("aws-sdk/") ||
                specifier.startsWith("@aws-sdk/");
  try {
    return await next(specifier, context);
  } catch (e) {
    if (!isSdk || !data || e?.code !== "ERR_MODULE_NOT_FOUND") throw e;
  }
  sdk ??= createRequire(import.meta.url)(data.sdkModule);
  sdk.ensure(`node-${data.generation}`, specifier, data.runtime);
  const parentURL = pathToFileURL(path.join(data.nodeModules, "index.js")).href;
  return next(specifier, { ...context, parentURL });
}
