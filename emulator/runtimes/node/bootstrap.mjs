// Lambda Runtime API client for Node.js handlers, as serverlite runs them.
//
// Contract (the emulator's side is emulator/invoker/worker.cpp):
// - Started as `node bootstrap.mjs` from a temporary directory, with the service directory as the
//   working directory. Only Node built-ins are used, and nothing beside this file.
// - Reads AWS_LAMBDA_RUNTIME_API (host:port), _HANDLER ("path/to/module.fn" or
//   "module.nested.fn") and LAMBDA_TASK_ROOT; loads the handler once with import() of the first of
//   module.js, .mjs, .cjs that exists (so CommonJS and ES modules both work), then loops on
//   GET /runtime/invocation/next over one keep-alive connection.
// - Handlers may return a promise, call the callback, or use context.succeed/fail/done. With a
//   callback, the result is posted once the event loop is empty unless the handler sets
//   context.callbackWaitsForEmptyEventLoop = false, as in Lambda.
// - Errors have AWS's Node shape {"errorType", "errorMessage", "trace": [...]}. Init failures go
//   to /runtime/init/error and the process exits with status 129. An uncaught exception (status
//   129) or unhandled rejection (status 128) during an invocation fails that invocation, then the
//   process exits, as the managed runtime does.
// - console.* lines get Lambda's prefix: "<ISO time>\t<request id>\t<LEVEL>\t<message>".
// - Announces itself with User-Agent "serverlite-runtime/node/<version>".

import fs from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import util from "node:util";

const API_PREFIX = "/2018-06-01/runtime";
const ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type";
const USER_AGENT = `serverlite-runtime/node/${process.versions.node}`;

// ---- errors -----------------------------------------------------------------------------------

// Lambda's own error types; the name is on the prototype so stack traces start with it.
class RuntimeError extends Error {}
function runtimeError(name) {
  const type = class extends RuntimeError {};
  Object.defineProperty(type.prototype, "name", { value: `Runtime.${name}`, writable: true });
  return type;
}
const ImportModuleError = runtimeError("ImportModuleError");
const HandlerNotFound = runtimeError("HandlerNotFound");
const MalformedHandlerName = runtimeError("MalformedHandlerName");
const UserCodeSyntaxError = runtimeError("UserCodeSyntaxError");
const UnhandledPromiseRejection = runtimeError("UnhandledPromiseRejection");

function looksLikeError(value) {
  return value instanceof Error || (value !== null && typeof value === "object" &&
    typeof value.name === "string" && typeof value.message === "string" &&
    typeof value.stack === "string");
}

// The document posted to the Runtime API.
function errorDocument(error) {
  try {
    if (looksLikeError(error)) {
      return { errorType: error.name, errorMessage: error.message, trace: error.stack.split("\n") };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return { errorType: "handled",
             errorMessage: "callback called with Error argument, but there was a problem while " +
                           "retrieving one or more of its message, name, and stack" };
  }
}

// The form Lambda logs an error in: its type, message, extra properties and stack lines.
function formatForLog(error) {
  try {
    return "\t" + JSON.stringify(error, (_key, value) => {
      if (!(value instanceof Error)) return value;
      const out = { errorType: value.name, errorMessage: value.message, code: value.code,
                    ...value };
      if (typeof value.stack === "string") out.stack = value.stack.split("\n");
      return out;
    });
  } catch {
    return "\t" + JSON.stringify(errorDocument(error));
  }
}

// ---- logging ----------------------------------------------------------------------------------

// The invocation in flight; "undefined" in lines written during init, as in Lambda.
let currentRequestId;

// A handler may close its stdout (fs.closeSync(1), process.stdout.end()). The runtime keeps a
// descriptor of its own on the same pipe (opened through /proc, as Node has no dup()), writes
// console lines there, and gives fd 1 back after the invocation.
// Errors of the handler's broken stdout or stderr stay its own: they do not end the runtime.
let stdoutCopy = null;

function keepStdout() {
  try {
    stdoutCopy = fs.openSync("/proc/self/fd/1", "w");
  } catch {
    stdoutCopy = null;
  }
  process.stdout.on("error", () => {});
  process.stderr.on("error", () => {});
}

function restoreStdout() {
  if (stdoutCopy === null) return;
  try {
    fs.fstatSync(1);
  } catch {
    try {
      // The lowest free descriptor is 1 again (0 is open): this reopens the same pipe there.
      const fd = fs.openSync(`/proc/self/fd/${stdoutCopy}`, "w");
      if (fd !== 1) fs.closeSync(fd);
    } catch {
      // nothing better to do: lines go to stdoutCopy
    }
  }
}

// Console lines go through the runtime's own descriptor (blocking, so written whole and in order
// with the handler's own process.stdout writes, which Node makes synchronous on pipes), as the
// handler may have ended process.stdout: after end() it fails every write with EPIPE.
function writeStdout(text) {
  if (stdoutCopy !== null) {
    try {
      const bytes = Buffer.from(text);
      for (let at = 0; at < bytes.length;) at += fs.writeSync(stdoutCopy, bytes, at);
      return;
    } catch {
      // fall back to process.stdout
    }
  }
  process.stdout.write(text);
}

function patchConsole() {
  const levels = { log: "INFO", info: "INFO", warn: "WARN", error: "ERROR", debug: "DEBUG",
                   trace: "TRACE", fatal: "FATAL" };
  for (const [method, level] of Object.entries(levels)) {
    console[method] = (...args) => {
      writeStdout(`${new Date().toISOString()}\t${currentRequestId}\t${level}\t` +
                  `${util.format(...args)}\n`);
    };
  }
}

// ---- the Runtime API --------------------------------------------------------------------------

const [apiHost, apiPort] = (() => {
  const address = process.env.AWS_LAMBDA_RUNTIME_API || "";
  const colon = address.lastIndexOf(":");
  return [address.slice(0, colon) || "127.0.0.1", Number(address.slice(colon + 1))];
})();
// One socket, kept open between requests: this is the hot path.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(method, urlPath, body, headers = {}, retried = false) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: apiHost, port: apiPort, method, path: API_PREFIX + urlPath, agent,
      headers: { "User-Agent": USER_AGENT, ...headers,
                 ...(body !== undefined ? { "Content-Length": Buffer.byteLength(body) } : {}) },
    }, (res) => {
      const chunks = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers,
                                    body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("socket", (socket) => socket.setNoDelay(true));
    req.on("error", (err) => {
      // The server may have closed the idle keep-alive socket; try once on a fresh one.
      if (req.reusedSocket && !retried && err.code === "ECONNRESET") {
        request(method, urlPath, body, headers, true).then(resolve, reject);
      } else {
        reject(err);
      }
    });
    req.end(body);
  });
}

async function nextInvocation() {
  const res = await request("GET", "/invocation/next");
  if (res.status !== 200) throw new Error(`invocation/next answered ${res.status}`);
  return res;
}

function serializeResult(result) {
  return JSON.stringify(result === undefined ? null : result);
}

function postError(urlPath, error) {
  const doc = errorDocument(error);
  return request("POST", urlPath, JSON.stringify(doc),
                 { "Content-Type": "application/json", [ERROR_TYPE_HEADER]: doc.errorType });
}

// ---- loading the handler ----------------------------------------------------------------------

function fileExists(file) {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

async function importModule(taskRoot, moduleRoot, moduleName) {
  const base = path.resolve(taskRoot, moduleRoot, moduleName);
  const file = [".js", ".mjs", ".cjs"].map((ext) => base + ext).find(fileExists);
  try {
    if (file) return await import(pathToFileURL(file).href);
    // No such file: resolve it as Node would from the task root (a package in node_modules),
    // which also gives Node's own "Cannot find module" error when there is none.
    const require = createRequire(fileURLToPath(import.meta.url));
    const resolved = require.resolve(moduleName,
                                     { paths: [taskRoot, path.resolve(taskRoot, moduleRoot)] });
    return await import(pathToFileURL(resolved).href);
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(String(e));
    if (e && (e.code === "MODULE_NOT_FOUND" || e.code === "ERR_MODULE_NOT_FOUND")) {
      throw new ImportModuleError(String(e));
    }
    throw e;
  }
}

function resolvePath(object, dotted) {
  return dotted.split(".").reduce((value, key) => (value == null ? undefined : value[key]), object);
}

async function loadHandler(taskRoot, fullHandler) {
  // "dir/sub/app.handlers.main": module root "dir/sub/", module "app", path "handlers.main".
  const base = path.basename(fullHandler);
  const moduleRoot = fullHandler.slice(0, fullHandler.length - base.length);
  const match = /^([^.]*)\.(.*)$/.exec(base);
  if (!match || !match[1] || !match[2]) throw new MalformedHandlerName("Bad handler");
  const [, moduleName, handlerPath] = match;

  const namespace = await importModule(taskRoot, moduleRoot, moduleName);
  let fn = resolvePath(namespace, handlerPath);
  // A CommonJS module imported as ESM keeps module.exports on `default`.
  if (fn === undefined && namespace.default != null) {
    fn = resolvePath(namespace.default, handlerPath);
  }
  if (fn === undefined || fn === null) {
    throw new HandlerNotFound(`${fullHandler} is undefined or not exported`);
  }
  if (typeof fn !== "function") throw new HandlerNotFound(`${fullHandler} is not a function`);
  return fn;
}

// ---- invocations ------------------------------------------------------------------------------

// Lambda passes client context and identity as JSON text. serverlite's Invoke may hand the client
// context on still base64-encoded, as the Invoke API receives it; accept both.
function parseJsonHeader(value) {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch (first) {
    try {
      return JSON.parse(Buffer.from(value, "base64").toString("utf8"));
    } catch {
      throw first;
    }
  }
}

// What to do when the event loop runs empty during an invocation (Lambda's beforeExit contract).
let onEmptyEventLoop = null;
process.on("beforeExit", () => {
  const action = onEmptyEventLoop;
  onEmptyEventLoop = null;
  if (action) action();
});

// The invocation in flight, so process-level failures can be reported against it, and the post
// of a result already under way, so such a failure does not cut it off.
let inFlight = null;
let pendingPost = null;

function invoke(handler, res) {
  return new Promise((settled) => {
    const requestId = res.headers["lambda-runtime-aws-request-id"];
    const deadline = Number(res.headers["lambda-runtime-deadline-ms"]);
    let reported = false;
    let waitForEmptyLoop = true;

    const report = (verb, payload) => {
      if (reported) {
        console.warn("Invocation has already been reported as done. Cannot call complete more " +
                     "than once per invocation.");
        return;
      }
      reported = true;
      onEmptyEventLoop = null;
      inFlight = null;
      let body;
      if (verb === "response") {
        try {
          body = serializeResult(payload);
        } catch {
          verb = "error";
          payload = new Error("Unable to stringify response body");
        }
      }
      if (verb === "error") console.error("Invoke Error", formatForLog(payload));
      const posted = verb === "response"
        ? request("POST", `/invocation/${requestId}/response`, body,
                  { "Content-Type": "application/json" })
        : postError(`/invocation/${requestId}/error`, payload);
      pendingPost = posted;
      posted.then(() => { pendingPost = null; settled(); }, fatalApiError);
    };

    const callback = (err, result) => {
      if (err !== undefined && err !== null) return report("error", err);
      if (!waitForEmptyLoop) return report("response", result);
      onEmptyEventLoop = () => setImmediate(() => report("response", result));
    };
    const done = (err, result) => {
      waitForEmptyLoop = false;
      callback(err, result);
    };

    inFlight = { requestId };
    currentRequestId = requestId;
    const trace = res.headers["lambda-runtime-trace-id"];
    if (trace) process.env._X_AMZN_TRACE_ID = trace;
    else delete process.env._X_AMZN_TRACE_ID;
    // A handler that neither returns a promise nor calls back answers null once it is idle.
    onEmptyEventLoop = () => report("response", null);

    let event, context;
    try {
      event = res.body ? JSON.parse(res.body) : {};
      const clientContext = parseJsonHeader(res.headers["lambda-runtime-client-context"]);
      const identity = parseJsonHeader(res.headers["lambda-runtime-cognito-identity"]);
      context = {
        awsRequestId: requestId,
        functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
        functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
        invokedFunctionArn: res.headers["lambda-runtime-invoked-function-arn"],
        // A string, as in Lambda: it is read from the environment.
        memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
        logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
        logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
        clientContext,
        identity,
        getRemainingTimeInMillis: () => deadline - Date.now(),
        done,
        succeed: (result) => done(null, result),
        fail: (err) => done(err === undefined || err === null ? "handled" : err, null),
      };
      Object.defineProperty(context, "callbackWaitsForEmptyEventLoop", {
        enumerable: true,
        get: () => waitForEmptyLoop,
        set: (value) => { waitForEmptyLoop = value; },
      });
    } catch (e) {
      return report("error", e);
    }

    try {
      const result = handler(event, context, callback);
      if (result && typeof result.then === "function") {
        result.then(context.succeed, context.fail);
      }
    } catch (e) {
      callback(e);
    }
  });
}

// ---- process-level failures -------------------------------------------------------------------

let initDone = false;

function fatalApiError() {
  process.exit(1);  // the emulator has gone away: there is nobody left to serve
}

// Reports an uncaught failure against the invocation in flight (or init), then exits.
function failAndExit(error, status) {
  onEmptyEventLoop = null;
  const exit = () => process.exit(status);
  if (!initDone) {
    postError("/init/error", error).then(exit, exit);
  } else if (inFlight) {
    const { requestId } = inFlight;
    inFlight = null;
    postError(`/invocation/${requestId}/error`, error).then(exit, exit);
  } else if (pendingPost) {
    pendingPost.then(exit, exit);
  } else {
    exit();
  }
}

process.on("uncaughtException", (error) => {
  console.error("Uncaught Exception", formatForLog(error));
  failAndExit(error, 129);
});

process.on("unhandledRejection", (reason) => {
  const error = new UnhandledPromiseRejection(reason?.toString());
  error.reason = reason;
  console.error("Unhandled Promise Rejection", formatForLog(error));
  failAndExit(error, 128);
});

// ---- main -------------------------------------------------------------------------------------

async function main() {
  keepStdout();
  patchConsole();
  if (!Number.isInteger(apiPort) || apiPort <= 0) {
    process.stderr.write("bootstrap.mjs: AWS_LAMBDA_RUNTIME_API is not set to host:port\n");
    process.exit(2);
  }
  const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
  let handler;
  try {
    handler = await loadHandler(taskRoot, process.env._HANDLER || "");
  } catch (e) {
    console.error("Uncaught Exception", formatForLog(e));
    failAndExit(e, 129);
    return;
  }
  initDone = true;
  for (;;) {
    let res;
    try {
      res = await nextInvocation();
    } catch {
      fatalApiError();
      return;
    }
    await invoke(handler, res);
    restoreStdout();
  }
}

main();
