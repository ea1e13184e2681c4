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
// - Started as `node bootstrap.mjs --standby`, it is a standby (emulator/invoker/standby.hpp):
//   before it imports the handler it waits on GET /runtime/serverlite/standby, which answers once
//   serverlite releases it. The flag is taken off process.argv first.

// Only what the first invocation needs is loaded: node:http (its agent, parser and client) is
// replaced by the few lines over node:net below, which Node has loaded at start anyway.
import fs from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import util from "node:util";

const STANDBY = process.argv[2] === "--standby";
if (STANDBY) process.argv.splice(2, 1);

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
// One socket, kept open between requests (this is the hot path), and one request at a time on
// it. Between requests it is unref'd, as an idle keep-alive socket of node:http's agent is, so
// that it does not keep the event loop alive (callbackWaitsForEmptyEventLoop).
const MAX_HEAD = 64 * 1024;
let apiSocket = null;
let pending = null;  // { resolve, reject } of the request in flight
// What has arrived, in pieces joined only when the response may be whole (an event may be
// megabytes): `need` is the length of the response once its head has been read.
let chunks = [];
let total = 0;
let need = -1;
let queue = Promise.resolve();

function received() {
  if (chunks.length > 1) chunks = [Buffer.concat(chunks, total)];
  return chunks.length ? chunks[0] : Buffer.alloc(0);
}

function dropSocket(err) {
  const socket = apiSocket;
  apiSocket = null;
  chunks = [];
  total = 0;
  need = -1;
  if (socket) socket.destroy();
  if (pending) {
    const { reject } = pending;
    pending = null;
    reject(err);
  }
}

// A whole response in `received`: { status, headers, body }, or null while more is to come.
function takeResponse() {
  const buffer = received();
  const end = buffer.indexOf("\r\n\r\n");
  if (end < 0) {
    if (buffer.length > MAX_HEAD) throw new Error("the Runtime API's answer has too long a head");
    return null;
  }
  const lines = buffer.subarray(0, end).toString("latin1").split("\r\n");
  const status = /^HTTP\/1\.\d (\d{3})/.exec(lines[0]);
  if (!status) throw new Error(`the Runtime API answered ${JSON.stringify(lines[0].slice(0, 100))}`);
  const headers = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers["content-length"] || 0);
  need = end + 4 + length;
  if (buffer.length < need) return null;
  const body = buffer.subarray(end + 4, need).toString("utf8");
  const rest = buffer.subarray(need);
  chunks = rest.length ? [rest] : [];
  total = rest.length;
  need = -1;
  return { status: Number(status[1]), headers, body };
}

function connect() {
  if (apiSocket) return apiSocket;
  const socket = net.connect({ host: apiHost, port: apiPort, noDelay: true });
  socket.on("data", (chunk) => {
    chunks.push(chunk);
    total += chunk.length;
    if (!pending || (need >= 0 && total < need)) return;
    let res;
    try {
      res = takeResponse();
    } catch (err) {
      return dropSocket(err);
    }
    if (!res) return;
    const { resolve } = pending;
    pending = null;
    socket.unref();
    if ((res.headers.connection || "").toLowerCase() === "close") dropSocket();
    resolve(res);
  });
  const fail = (err) => { if (apiSocket === socket) dropSocket(err || new Error("the Runtime API closed the connection")); };
  socket.on("error", fail);
  socket.on("close", () => fail());
  apiSocket = socket;
  return socket;
}

function send(method, urlPath, body, headers) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(body, "utf8");
    let head = `${method} ${API_PREFIX}${urlPath} HTTP/1.1\r\nHost: ${apiHost}:${apiPort}\r\n`;
    for (const [name, value] of Object.entries({ "User-Agent": USER_AGENT, ...headers }))
      head += `${name}: ${value}\r\n`;
    if (payload !== undefined || method === "POST") head += `Content-Length: ${payload ? payload.length : 0}\r\n`;
    const reused = apiSocket !== null;
    const socket = connect();
    pending = { resolve, reject: (err) => { err.reusedSocket = reused; reject(err); } };
    socket.ref();
    socket.write(payload ? Buffer.concat([Buffer.from(head + "\r\n", "latin1"), payload])
                         : head + "\r\n");
  });
}

function request(method, urlPath, body, headers = {}) {
  const run = () => send(method, urlPath, body, headers).catch((err) => {
    // The server may have closed the idle keep-alive socket; try once on a fresh one.
    if (err.reusedSocket) return send(method, urlPath, body, headers);
    throw err;
  });
  const result = queue.then(run, run);
  queue = result.catch(() => {});
  return result;
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
  if (STANDBY) {
    try {
      const res = await request("GET", "/serverlite/standby");
      if (res.status !== 200) throw new Error(`serverlite/standby answered ${res.status}`);
    } catch {
      fatalApiError();
      return;
    }
    // What the preload decided from the app's files at start-up is decided again as they are now.
    const recheck = globalThis[Symbol.for("serverlite.preload.released")];
    if (typeof recheck === "function") recheck();
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
