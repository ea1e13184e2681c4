// Loaded before every Node.js handler (NODE_OPTIONS=--require, set by the emulator), and so in
// every node process a handler starts. Two jobs, both cheap until needed:
//
// 1. The AWS SDK that Lambda's runtime includes is resolvable: v3 (@aws-sdk/*) for nodejs18.x and
//    later, v2 (aws-sdk) for nodejs16.x and older. It lives in a cache directory (see sdk.cjs);
//    the app's own node_modules always win, since the cache is only searched after them: through
//    NODE_PATH for require(), through a resolve hook for import (registered only for an ES module
//    handler whose app does not bundle the SDK). A missing cache is installed on first need.
//
// 2. A handler never reaches real AWS. The v2 SDK ignores AWS_ENDPOINT_URL: it gets serverlite's
//    endpoint as its global default. The SQS clients of v2 and v3 send a call to the host of its
//    QueueUrl: they keep to serverlite's endpoint instead. Below the SDKs, any http/https request
//    for an AWS host (*.amazonaws.com, *.amazonaws.com.cn, *.api.aws) that still comes (an SDK
//    version these patches do not know, another client) is sent to serverlite, with a line in
//    the log; so is an http2 session for one. Such a redirected request carries serverlite's Host, so up --verify-signatures
//    rejects it (its signature names the AWS host) rather than it leaving the machine.
"use strict";

const Module = require("node:module");
const path = require("node:path");
const fs = require("node:fs");

const endpoint = process.env.AWS_ENDPOINT_URL || "";
const runtime = (process.env.AWS_EXECUTION_ENV || "").replace(/^AWS_Lambda_/, "");
const runtimeMajor = Number((/^nodejs(\d+)/.exec(runtime) || [])[1] || 0);
const generation = runtimeMajor && runtimeMajor < 18 ? "v2" : "v3";

function isAwsHost(host) {
  return /(^|\.)(amazonaws\.com(\.cn)?|api\.aws)\.?$/i.test(String(host || ""));
}

// ---- 1. The runtime's SDK ----------------------------------------------------------------------

function isSdkRequest(request) {
  if (typeof request !== "string") return false;
  return request === "aws-sdk" || request.startsWith("aws-sdk/") || request.startsWith("@aws-sdk/");
}

let sdkState;  // {dir, nodeModules} of this runtime's SDK in the cache, once computed
function sdk() {
  if (!sdkState) {
    const lib = require("./sdk.cjs");
    sdkState = { lib, ...lib.layout(`node-${generation}`) };
  }
  return sdkState;
}

if (process.env.SERVERLITE_SDK_CACHE) {
  const { nodeModules } = sdk();
  const sep = path.delimiter;
  const current = process.env.NODE_PATH ? process.env.NODE_PATH.split(sep) : [];
  if (!current.includes(nodeModules)) {
    process.env.NODE_PATH = [...current, nodeModules].filter(Boolean).join(sep);
    Module._initPaths();
  }

  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, isMain, options) {
    try {
      return resolveFilename.call(this, request, parent, isMain, options);
    } catch (e) {
      if (e.code !== "MODULE_NOT_FOUND" || !isSdkRequest(request)) throw e;
      sdk().lib.ensure(`node-${generation}`, request, runtime);  // installs, or throws why not
      return resolveFilename.call(this, request, parent, isMain, options);
    }
  };

  registerImportHook();
  // A standby process (emulator/invoker/standby.hpp) loads this long before it imports the
  // handler, whose files may change meanwhile: its runtime client calls this once released. A
  // hook registered already stays (it only adds the SDK where resolution fails).
  Object.defineProperty(globalThis, Symbol.for("serverlite.preload.released"),
                        { value: registerImportHook });
}

// import of a bare specifier does not read NODE_PATH: an ES module handler needs a resolve hook.
// Registering one costs a loader thread on Node 20, so only where it can matter.
var importHookRegistered = false;  // var: the call above runs before this line
function registerImportHook() {
  if (importHookRegistered) return;
  if (typeof Module.register !== "function" && typeof Module.registerHooks !== "function") return;
  const root = process.env.LAMBDA_TASK_ROOT;
  const handler = process.env._HANDLER || "";
  if (!root || !handler.includes(".")) return;
  const base = path.resolve(root, handler.slice(0, handler.lastIndexOf(".")));
  if (!isEsmHandler(base)) return;
  if (bundlesSdk(path.dirname(base))) return;
  const { nodeModules, lib } = sdk();
  const data = { nodeModules, generation, runtime, sdkModule: require.resolve("./sdk.cjs") };
  importHookRegistered = true;
  if (typeof Module.registerHooks === "function") {
    // Node 22.15 and later: synchronous hooks on this thread, no loader thread.
    Module.registerHooks({ resolve: (specifier, context, next) =>
      lib.resolveWithSdk(specifier, context, next, data) });
  } else {
    Module.register(require("node:url").pathToFileURL(path.join(__dirname, "sdk-hooks.mjs")),
                    { data });
  }
}

function isEsmHandler(base) {
  if (fs.existsSync(base + ".mjs")) return true;
  for (const ext of [".cjs", ".js"]) {
    if (!fs.existsSync(base + ext)) continue;
    if (ext === ".cjs") return false;
    for (let dir = path.dirname(base); ; dir = path.dirname(dir)) {
      try {
        return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).type === "module";
      } catch (e) {
        if (e.code !== "ENOENT") return false;
      }
      if (path.dirname(dir) === dir) return false;
    }
  }
  // Not found as .js/.mjs/.cjs (a build output elsewhere, say): assume it may be one.
  return true;
}

function bundlesSdk(dir) {
  const name = generation === "v2" ? "aws-sdk" : "@aws-sdk";
  for (;; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "node_modules", name))) return true;
    if (path.dirname(dir) === dir) return false;
  }
}

// ---- 2. Never real AWS -------------------------------------------------------------------------

const seenHosts = new Set();
function noteRedirect(host) {
  if (seenHosts.has(host)) return;
  seenHosts.add(host);
  process.stderr.write(`serverlite: a request for the AWS host ${host} was sent to serverlite ` +
                       `(${endpoint || "no endpoint: refused"}) instead\n`);
}

// (url[, options][, callback]) or (options[, callback]), as http.request takes them.
function splitArgs(args) {
  let i = 0, url;
  if (typeof args[0] === "string" || args[0] instanceof URL) url = args[i++];
  let options = args[i] && typeof args[i] === "object" ? args[i++] : undefined;
  const callback = typeof args[i] === "function" ? args[i] : undefined;
  let target = {};
  if (url !== undefined) {
    const u = typeof url === "string" ? new URL(url) : url;
    target = { protocol: u.protocol, hostname: u.hostname, port: u.port || undefined,
               path: u.pathname + u.search };
  }
  if (options) target = { ...target, ...options };
  return { target, callback };
}

function targetHost(target) {
  if (target.hostname) return target.hostname;
  const host = String(target.host || "");
  return host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.split(":")[0];
}

function redirected(target) {
  if (!endpoint) {
    const e = new Error("serverlite: refused a request for the AWS host " + targetHost(target) +
                        ": AWS_ENDPOINT_URL is not set, and a handler must not reach real AWS");
    e.code = "ECONNREFUSED";
    throw e;
  }
  const ep = new URL(endpoint);
  const headers = {};
  for (const [k, v] of Object.entries(target.headers || {}))
    if (k.toLowerCase() !== "host") headers[k] = v;
  headers.host = ep.host;
  const out = { ...target, protocol: "http:", hostname: ep.hostname.replace(/^\[|\]$/g, ""),
                port: ep.port || 80, headers };
  for (const key of ["host", "agent", "servername", "createConnection", "ca", "cert", "key", "pfx",
                     "rejectUnauthorized", "checkServerIdentity", "lookup"])
    delete out[key];
  return out;
}

function guard(mod, httpMod) {
  const plainRequest = httpMod.request, plainGet = httpMod.get;
  for (const name of ["request", "get"]) {
    const original = mod[name];
    mod[name] = function (...args) {
      let split;
      try {
        split = splitArgs(args);
      } catch {
        return original.apply(this, args);  // let the original report a malformed URL
      }
      const host = targetHost(split.target);
      if (!isAwsHost(host)) return original.apply(this, args);
      noteRedirect(host);
      const options = redirected(split.target);
      const call = name === "get" ? plainGet : plainRequest;
      return split.callback ? call(options, split.callback) : call(options);
    };
  }
}

// node:http is loaded anyway (the runtime client uses it); node:https (and TLS) only when
// something requires it, which the SDKs do. An ES module that imports node:https itself before
// any require of it is the one way past this guard.
const http = require("node:http");
guard(http, http);
let httpsGuarded = false;
function guardHttps(https) {
  if (httpsGuarded) return;
  httpsGuarded = true;
  guard(https, http);
  Module.syncBuiltinESMExports();
}
Module.syncBuiltinESMExports();

// node:http2, which SDK v3 uses for its event streams (Kinesis SubscribeToShard, ...): a session
// for an AWS host is opened on serverlite's endpoint instead, in cleartext (prior knowledge).
let http2Guarded = false;
function guardHttp2(http2) {
  if (http2Guarded) return;
  http2Guarded = true;
  const connect = http2.connect;
  http2.connect = function (authority, options, listener) {
    let host;
    try {
      host = (typeof authority === "string" ? new URL(authority) : authority).hostname;
    } catch {
      return connect.apply(this, arguments);  // let the original report a malformed authority
    }
    if (!isAwsHost(host)) return connect.apply(this, arguments);
    noteRedirect(host);
    if (typeof options === "function") {
      listener = options;
      options = undefined;
    }
    const out = { ...(options || {}) };
    for (const key of ["createConnection", "servername", "ca", "cert", "key", "pfx",
                       "rejectUnauthorized", "checkServerIdentity", "lookup", "ALPNProtocols"])
      delete out[key];
    const target = redirected({ hostname: host, headers: {} });
    const origin = `http://${target.hostname.includes(":") ? `[${target.hostname}]` : target.hostname}` +
                   `:${target.port}`;
    return listener ? connect.call(this, origin, out, listener) : connect.call(this, origin, out);
  };
  Module.syncBuiltinESMExports();
}

// The v2 SDK: serverlite as the default endpoint of every client, and SQS calls kept there.
const patchedV2 = new WeakSet();
function patchV2(AWS) {
  if (!AWS || !AWS.config || typeof AWS.config.update !== "function") return;
  if (!patchedV2.has(AWS)) {
    patchedV2.add(AWS);
    if (endpoint && !AWS.config.endpoint) AWS.config.update({ endpoint, s3ForcePathStyle: true });
  }
  const sqs = AWS.SQS && AWS.SQS.prototype;
  if (sqs && typeof sqs.buildEndpoint === "function" && !sqs.buildEndpoint.serverlite) {
    const buildEndpoint = sqs.buildEndpoint;
    sqs.buildEndpoint = function (request) {
      const url = request && request.httpRequest && request.httpRequest.params &&
                  request.httpRequest.params.QueueUrl;
      try {
        if (url && isAwsHost(new URL(url).hostname)) return;  // stay on the client's endpoint
      } catch {}
      return buildEndpoint.call(this, request);
    };
    sqs.buildEndpoint.serverlite = true;
  }
}

// The v3 SQS client sends each call to the host of its QueueUrl unless an endpoint was given in
// code: with serverlite's endpoint in the environment, it keeps to that one instead (as it would
// with useQueueUrlAsEndpoint: false), so its requests are signed for serverlite. The client reads
// resolveQueueUrlConfig from this package's exports when it loads, just after this runs.
function patchV3Sqs(exports) {
  const resolve = exports && exports.resolveQueueUrlConfig;
  if (typeof resolve !== "function" || resolve.serverlite) return;
  if (!process.env.AWS_ENDPOINT_URL_SQS && !endpoint) return;
  const patched = (config) =>
    resolve(Object.assign(config, { useQueueUrlAsEndpoint: config.useQueueUrlAsEndpoint ?? false }));
  patched.serverlite = true;
  try {
    exports.resolveQueueUrlConfig = patched;
  } catch {}
}

const load = Module._load;
Module._load = function (request, parent, isMain) {
  const exports = load.apply(this, arguments);
  if (typeof request !== "string") return exports;
  if (!httpsGuarded && (request === "https" || request === "node:https")) guardHttps(exports);
  if (!http2Guarded && (request === "http2" || request === "node:http2")) guardHttp2(exports);
  if (request === "@aws-sdk/middleware-sdk-sqs") patchV3Sqs(exports);
  let global;
  if (request === "aws-sdk" || request.startsWith("aws-sdk/")) {
    global = "aws-sdk/global";
  } else {
    // import of a CommonJS package reaches here with the file's path.
    const m = /^(.*[\\/]node_modules[\\/]aws-sdk)[\\/]/.exec(request);
    if (m) global = path.join(m[1], "global.js");
  }
  if (global) {
    try {
      patchV2(load.call(this, global, parent, false));
    } catch {}
  }
  return exports;
};
