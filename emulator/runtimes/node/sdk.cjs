// The AWS SDK that Lambda's Node.js runtime includes, installed once into a cache directory from
// the package.json and package-lock.json kept beside the runtime clients (sdk/node-v3,
// sdk/node-v2). The directory is named after the lockfile's hash, so a new lockfile installs
// anew and never mixes with an older one:
//
//   $SERVERLITE_SDK_CACHE (else $SERVERLITE_CACHE_DIR/sdk, $XDG_CACHE_HOME/serverlite/sdk,
//   ~/.cache/serverlite/sdk)
//     node-v3-<hash>/package.json, package-lock.json, node_modules/
//
// Used by preload.cjs inside handlers, and as a command:
//   node sdk.cjs install [node-v3|node-v2|all]   installs now, waits, prints the directories
"use strict";

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const NAMES = {
  "node-v3": "the AWS SDK for JavaScript v3 (@aws-sdk/*)",
  "node-v2": "the AWS SDK for JavaScript v2 (aws-sdk)",
};

function cacheRoot() {
  if (process.env.SERVERLITE_SDK_CACHE) return process.env.SERVERLITE_SDK_CACHE;
  if (process.env.SERVERLITE_CACHE_DIR) return path.join(process.env.SERVERLITE_CACHE_DIR, "sdk");
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "serverlite", "sdk");
}

// The lockfile's directory: beside this file once embedded ("../sdk/node-v3" from node/), and
// the same in the source tree.
function sourceDir(name) {
  return path.join(__dirname, "..", "sdk", name);
}

// FNV-1a, 32 bits, as 8 hex digits: enough to tell lockfiles apart, and it spares every handler's
// start the loading of node:crypto.
function fnv1a(bytes) {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

function layout(name) {
  const src = sourceDir(name);
  let hash = "unknown";
  try {
    hash = fnv1a(fs.readFileSync(path.join(src, "package-lock.json")));
  } catch {}
  const dir = path.join(cacheRoot(), `${name}-${hash}`);
  return { src, dir, nodeModules: path.join(dir, "node_modules") };
}

// npm writes node_modules/.package-lock.json last; the background install renames a finished
// node_modules into place.
function installed(dir) {
  return fs.existsSync(path.join(dir, "node_modules", ".package-lock.json"));
}

function findNpm() {
  for (const dir of (process.env.PATH || "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, "npm");
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {}
  }
  return null;
}

function prepare(name) {
  const { src, dir } = layout(name);
  fs.mkdirSync(dir, { recursive: true });
  for (const file of ["package.json", "package-lock.json"]) {
    const to = path.join(dir, file);
    if (!fs.existsSync(to)) fs.copyFileSync(path.join(src, file), to);
  }
  return dir;
}

function installCommand(dir) {
  return `npm ci --ignore-scripts --no-audit --no-fund --prefix '${dir}'`;
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// The one install running for DIR, if any: its pid in DIR/.installing.
function installerAlive(dir) {
  try {
    const pid = Number(fs.readFileSync(path.join(dir, ".installing"), "utf8"));
    if (!pid) return false;
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function failure(message) {
  const e = new Error(message);
  e.code = "MODULE_NOT_FOUND";
  return e;
}

// Makes NAME's cache installed, or throws an error that says why not and what to run. Starts the
// install in the background (it outlives this process) and waits for it up to waitMs: a cold
// install takes longer than Lambda's 10 s init, so the first invocation may fail saying so.
function ensure(name, request, runtime, waitMs = 6000) {
  const { dir } = layout(name);
  if (installed(dir)) return;
  const what = `Cannot find module '${request}': ${NAMES[name]}, which Lambda's ${runtime || "Node.js"} ` +
               `runtime includes,`;
  const npm = findNpm();
  if (!npm) {
    throw failure(`${what} is not installed in ${dir}, and npm is not on PATH to install it. ` +
                  `Install npm, then run: mkdir -p '${dir}' && cp <serverlite>/emulator/runtimes/sdk/${name}/package*.json '${dir}' && ` +
                  `${installCommand(dir)} (or bundle the SDK in the app's node_modules)`);
  }
  let dirReady;
  try {
    dirReady = prepare(name);
  } catch (e) {
    throw failure(`${what} is not installed, and ${dir} cannot be written (${e.message}); ` +
                  `bundle the SDK in the app's node_modules`);
  }
  if (!installerAlive(dirReady)) {
    const log = fs.openSync(path.join(dirReady, "install.log"), "a");
    const child = require("node:child_process").spawn(process.execPath, [__filename, "install", name], {
      detached: true,
      stdio: ["ignore", log, log],
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    child.unref();
    fs.closeSync(log);
  }
  process.stderr.write(`serverlite: installing ${NAMES[name]} into ${dir} (once, with npm ci)\n`);
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    if (installed(dir)) return;
    sleep(100);
  }
  throw failure(`${what} is being installed into ${dir} now (log: ${path.join(dir, "install.log")}); ` +
                `invoke again once it is done, or install it ahead with: ${installCommand(dir)}`);
}

// Installs from an older lockfile, which nothing uses any more.
function removeOlder(name, current) {
  const root = path.dirname(current);
  for (const entry of fs.readdirSync(root)) {
    const dir = path.join(root, entry);
    if (!entry.startsWith(`${name}-`) || dir === current || installerAlive(dir)) continue;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Installs NAME now (the command, and the background install ensure() starts).
function install(name) {
  const dir = prepare(name);
  if (installed(dir)) return dir;
  const marker = path.join(dir, ".installing");
  for (;;) {
    try {
      fs.writeFileSync(marker, String(process.pid), { flag: "wx" });
      break;
    } catch (e) {
      if (e.code !== "EEXIST") throw e;
      if (!installerAlive(dir)) {  // left by an install that died
        fs.rmSync(marker, { force: true });
        continue;
      }
      while (installerAlive(dir)) sleep(200);
      if (installed(dir)) return dir;
    }
  }
  try {
    const work = path.join(dir, `.work-${process.pid}`);
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(work);
    for (const file of ["package.json", "package-lock.json"])
      fs.copyFileSync(path.join(dir, file), path.join(work, file));
    const npm = findNpm();
    if (!npm) throw new Error("npm is not on PATH");
    const r = require("node:child_process").spawnSync(npm, ["ci", "--ignore-scripts", "--no-audit", "--no-fund"],
                                     { cwd: work, stdio: "inherit" });
    if (r.status !== 0) throw new Error(`npm ci failed in ${work} (status ${r.status})`);
    fs.rmSync(path.join(dir, "node_modules"), { recursive: true, force: true });
    fs.renameSync(path.join(work, "node_modules"), path.join(dir, "node_modules"));
    fs.rmSync(work, { recursive: true, force: true });
    removeOlder(name, dir);
    return dir;
  } finally {
    fs.rmSync(marker, { force: true });
  }
}

// The resolve hook for import (see preload.cjs): the app's resolution first, then the SDK's.
function resolveWithSdk(specifier, context, next, data) {
  const isSdk = specifier === "aws-sdk" || specifier.startsWith("aws-sdk/") ||
                specifier.startsWith("@aws-sdk/");
  try {
    return next(specifier, context);
  } catch (e) {
    if (!isSdk || e.code !== "ERR_MODULE_NOT_FOUND") throw e;
  }
  ensure(`node-${data.generation}`, specifier, data.runtime);
  const parentURL = require("node:url").pathToFileURL(path.join(data.nodeModules, "index.js")).href;
  return next(specifier, { ...context, parentURL });
}

module.exports = { layout, ensure, install, installed, resolveWithSdk, cacheRoot };

if (require.main === module) {
  const [command, which = "all"] = process.argv.slice(2);
  if (command !== "install" || !(which === "all" || NAMES[which])) {
    process.stderr.write("usage: node sdk.cjs install [node-v3|node-v2|all]\n");
    process.exit(2);
  }
  for (const name of which === "all" ? Object.keys(NAMES) : [which]) {
    try {
      process.stdout.write(`${name}: ${install(name)}\n`);
    } catch (e) {
      process.stderr.write(`${name}: ${e.message}\n`);
      process.exit(1);
    }
  }
}
