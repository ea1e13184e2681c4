// Starts the real serverlite binary for a test file and stops it: ephemeral ports, in-memory
// state, 127.0.0.1 only. SERVERLITE_BIN names the binary (default: build/test/serverlite).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { crc32 } from "node:zlib";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const bin = process.env.SERVERLITE_BIN ?? path.join(root, "build", "test", "serverlite");

// The SDKs sign every request; serverlite accepts any key, so these never leave the machine.
export const credentials = { accessKeyId: "test", secretAccessKey: "test" };

// Every client the tests build: one attempt, so a server error surfaces instead of a retry.
export const clientConfig = (endpoint) => ({
  endpoint, region: "us-east-1", credentials, maxAttempts: 1,
});

const READY_TIMEOUT_MS = 60000;
const STOP_TIMEOUT_MS = 30000;

// Children still running when the test process exits (a crashed file) are killed, not leaked.
const running = new Set();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Runs `serverlite up` for fixtures/apps/<app>; resolves once it printed its ready line.
 *  Returns { endpoint, gateway, readyLine, stderr(), stop() }; stop() sends SIGTERM and resolves
 *  with the exit code (SIGKILL and a rejection if it does not exit in time). */
export async function startServerlite(app) {
  const config = path.join(root, "fixtures", "apps", app, "serverless.yml");
  const child = spawn(bin, ["up", "-c", config, "--ephemeral", "-p", "0", "-g", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  const exited = new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  const log = [];
  createInterface({ input: child.stderr }).on("line", (line) => log.push(line));
  const stderr = () => log.join("\n");

  const readyLine = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`serverlite did not get ready in ${READY_TIMEOUT_MS} ms\n${stderr()}`));
    }, READY_TIMEOUT_MS);
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      if (!line.startsWith("serverlite ready")) return;
      clearTimeout(timer);
      lines.close();
      child.stdout.resume(); // keep the pipe drained
      resolve(line);
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`serverlite exited (${code ?? signal}) before ready\n${stderr()}`));
    });
  });
  // "serverlite ready aws=http://127.0.0.1:N gateway=http://127.0.0.1:M functions=7 ..."
  const fields = Object.fromEntries(readyLine.split(" ").slice(2).map((f) => {
    const eq = f.indexOf("=");
    return [f.slice(0, eq), f.slice(eq + 1)];
  }));
  if (!fields.aws) throw new Error(`no aws= in the ready line: ${readyLine}`);

  return {
    endpoint: fields.aws,
    gateway: fields.gateway,
    readyLine,
    stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      let timer;
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => {
          child.kill("SIGKILL");
          reject(new Error(`serverlite did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM`));
        }, STOP_TIMEOUT_MS);
      });
      try {
        const { code, signal } = await Promise.race([exited, timeout]);
        return code ?? signal;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

// DynamoDB answers carry x-amz-crc32, which the v3 clients do not check. A middleware for a
// client's stack: buffers each raw HTTP answer, asserts x-amz-crc32 is the CRC-32 of its bytes,
// and hands the SDK's deserializer the same bytes. Added at priority low, it sits inside the
// deserializer: it gets the answer before it is parsed, whatever its status. `counter.checked`
// counts the answers checked.
export function crc32Checker(counter) {
  return (stack) => stack.add((next) => async (args) => {
    const out = await next(args);
    const res = out.response;
    const chunks = [];
    for await (const chunk of res.body) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const header = res.headers["x-amz-crc32"];
    assert.ok(header !== undefined, `no x-amz-crc32 on a ${res.statusCode} answer`);
    assert.equal(Number(header), crc32(body),
      `x-amz-crc32 ${header} does not match the body: ${body}`);
    counter.checked++;
    res.body = new Uint8Array(body);
    return out;
  }, { step: "deserialize", priority: "low", name: "crc32Checker" });
}
